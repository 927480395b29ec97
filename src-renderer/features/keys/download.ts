/**
 * The sandboxed renderer cannot write files: a sealed file (key share, escrow) is handed to the
 * browser's own download, which asks the operator where to save it. Only sealed text ever comes
 * here; main never returns a key in clear.
 */
export function offerDownload(fileName: string, text: string): boolean {
  if (typeof URL.createObjectURL !== 'function') return false;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
    return true;
  } finally {
    // After the click has started the download; revoking at once can cancel it in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** A file the operator picked, as text, refusing what cannot be a share file before reading it. */
export async function readPickedFile(file: File, maxBytes = 256 * 1024): Promise<string> {
  if (file.size > maxBytes) throw new Error(`${file.name} is far too large to be a key file`);
  return file.text();
}

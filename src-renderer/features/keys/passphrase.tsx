import { MIN_SHARE_PASSPHRASE } from '../../../src-shared/contract';
import { TextField } from '../../ui/Field';

const tooShort = (p: string): string | undefined => (p.length > 0 && p.length < MIN_SHARE_PASSPHRASE ? `at least ${MIN_SHARE_PASSPHRASE} characters` : undefined);

/** A new share passphrase, typed twice; the forms clear it whatever the outcome. */
export function NewPassphrase({ value, confirm, onChange, onConfirm, id }: { value: string; confirm: string; onChange(v: string): void; onConfirm(v: string): void; id: string }) {
  return (
    <>
      <TextField label="Passphrase" type="password" autoComplete="new-password" value={value} onChange={(e) => onChange(e.target.value)} error={tooShort(value)} data-testid={`${id}-passphrase`} />
      <TextField
        label="Passphrase again"
        type="password"
        autoComplete="new-password"
        value={confirm}
        onChange={(e) => onConfirm(e.target.value)}
        error={confirm.length > 0 && confirm !== value ? 'the two passphrases differ' : undefined}
        data-testid={`${id}-confirm`}
      />
    </>
  );
}

export const strong = (p: string, c: string): boolean => p.length >= MIN_SHARE_PASSPHRASE && p === c;

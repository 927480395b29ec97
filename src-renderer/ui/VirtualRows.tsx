import { useLayoutEffect, useRef, useState, type ReactNode, type UIEvent } from 'react';

export interface VirtualRowsProps<T> {
  items: readonly T[];
  /** Fixed row height in px; must equal the CSS height of one row (the window maths relies on it). */
  rowHeight: number;
  rowKey(item: T): string;
  /** The cells of one row (role="cell" each); the row element itself is made here. */
  renderRow(item: T, index: number): ReactNode;
  /** `data-*` attributes for a row (test ids, state), so tests and styles can find it. */
  rowAttrs?(item: T): Record<`data-${string}`, string>;
  /** The header row (role="row" inside); stays put while the body scrolls. */
  header: ReactNode;
  /** Extra class for every body row (its grid columns, its fixed height). */
  rowClassName?: string;
  label: string;
  /** Used until layout gives a real viewport height (first paint, jsdom). */
  fallbackHeight?: number;
  overscan?: number;
  testId?: string;
  empty?: ReactNode;
}

/**
 * A windowed table: only the rows in view (plus a few either side) are in the DOM, so 10,000
 * tenants cost as much as 30. ARIA table semantics carry the full row count and each row's
 * index, so screen readers still announce "row 4,211 of 10,001".
 *
 * Positioning uses React's `style` prop, which writes through the CSSOM (`el.style.…`). The
 * CSP's `style-src 'self'` blocks style *attributes* and <style> elements, not CSSOM writes.
 */
export function VirtualRows<T>({ items, rowHeight, rowKey, renderRow, rowAttrs, header, rowClassName, label, fallbackHeight = 560, overscan = 6, testId, empty }: VirtualRowsProps<T>) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(fallbackHeight);

  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const measure = (): void => setHeight(el.clientHeight > 0 ? el.clientHeight : fallbackHeight);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [fallbackHeight]);

  // A filter that shrinks the list must not leave the viewport scrolled past its end.
  const maxTop = Math.max(0, items.length * rowHeight - height);
  const top = Math.min(scrollTop, maxTop);
  const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + overscan);
  const visible = items.slice(first, last);

  const onScroll = (e: UIEvent<HTMLDivElement>): void => setScrollTop(e.currentTarget.scrollTop);

  return (
    <div className="vrows" role="table" aria-label={label} aria-rowcount={items.length + 1} data-testid={testId}>
      <div role="rowgroup" className="vrows-head">
        {header}
      </div>
      <div ref={viewport} className="vrows-viewport" role="rowgroup" onScroll={onScroll} data-testid={testId ? `${testId}-viewport` : undefined}>
        {items.length === 0 ? empty : null}
        <div className="vrows-canvas" style={{ height: items.length * rowHeight }}>
          <div className="vrows-window" style={{ transform: `translateY(${first * rowHeight}px)` }}>
            {visible.map((item, i) => (
              // +2: aria-rowindex is 1-based and the header is row 1.
              <div key={rowKey(item)} role="row" className={`vrows-row${rowClassName ? ` ${rowClassName}` : ''}`} aria-rowindex={first + i + 2} {...rowAttrs?.(item)}>
                {renderRow(item, first + i)}
              </div>
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';

interface Props<T> {
  items: T[];
  rowHeight: number;
  render: (item: T, index: number) => ReactNode;
  keyOf: (item: T) => string;
  onEndReached?: () => void;
  overscan?: number;
  className?: string;
}

/**
 * Fixed-height windowing: only the rows in view (plus a few) are in the DOM, so 10,000 conversations scroll as
 * smoothly as 10. Calls onEndReached when the last rows come into view (infinite scroll).
 */
export function VirtualList<T>({ items, rowHeight, render, keyOf, onEndReached, overscan = 6, className }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useLayoutEffect(() => {
    if (onEndReached && last >= items.length - overscan && items.length > 0) onEndReached();
  }, [last, items.length, onEndReached, overscan]);

  return (
    <div ref={ref} className={className} style={{ overflowY: 'auto', position: 'relative' }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div key={keyOf(item)} style={{ position: 'absolute', top: (first + i) * rowHeight, left: 0, right: 0, height: rowHeight }}>
            {render(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}

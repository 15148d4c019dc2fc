// A component loaded on first use (its module fetched once), rendering `fallback` until then:
// ECharts (~250 kB gzipped) loads in parallel with the page's queries instead of before them.
import { h, type ComponentChildren, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyComponent<P extends object>(load: () => Promise<ComponentType<P>>,
                                                fallback: (props: P) => ComponentChildren = () => null): ComponentType<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<ComponentType<P>> | undefined;
  const get = () => (pending ??= load().then((c) => (loaded = c)));
  return function Lazy(props: P) {
    const [C, setC] = useState<ComponentType<P> | undefined>(() => loaded);
    useEffect(() => {
      if (!C) get().then((c) => setC(() => c));
    }, []);
    return C ? h(C as ComponentType<any>, props) : (fallback(props) as any);
  };
}

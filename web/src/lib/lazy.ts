import { createElement, lazy, useState, type ComponentType, type ElementType } from 'react';

type Module = { default: ComponentType };

/** Modules boot.ts started loading before the first render, by page name. */
const started = new Map<string, Promise<Module>>();

/** Starts loading a lazy page's module now (boot.ts), for the lazyPage of the same name to find. */
export function preloadPage(name: string, load: () => Promise<Module>): void {
  const loading = load();
  loading.catch(() => undefined); // a failed load is retried by the page itself
  started.set(name, loading);
}

/**
 * React.lazy that does not suspend when its module has already arrived. boot.ts starts loading the first screen's
 * modules before the first render; a lazy component suspends on its first render even then, and the retry that
 * reveals it waits for React's throttle of Suspense reveals (up to 300 ms) when a nested lazy page suspends in turn.
 * Each mount keeps the component it began with, so a page never remounts because its module arrived meanwhile.
 */
export function lazyPage(name: string, load: () => Promise<Module>): ComponentType {
  let loaded: ComponentType | undefined;
  const remember = (m: Module): Module => {
    loaded = m.default;
    return m;
  };
  started.get(name)?.then(remember, () => undefined);
  const Lazy = lazy(() => load().then(remember));
  return function LazyPage() {
    const [Page] = useState<ElementType>(() => loaded ?? Lazy);
    return createElement(Page);
  };
}

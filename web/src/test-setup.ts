// jsdom lacks matchMedia and ResizeObserver, which Mantine and the canvas use,
// and document.fonts, which growing text boxes listen to.
import { vi } from "vitest";

const inBrowser = typeof window !== "undefined";

if (inBrowser) Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: vi.fn().mockImplementation((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: vi.fn(),
    removeListener: vi.fn(),
    addEventListener: vi.fn(),
    removeEventListener: vi.fn(),
    dispatchEvent: vi.fn(),
  })),
});

class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (inBrowser) globalThis.ResizeObserver = ResizeObserverStub as unknown as typeof ResizeObserver;

if (inBrowser && !("fonts" in document)) Object.defineProperty(document, "fonts", { value: new EventTarget() });

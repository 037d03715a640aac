/**
 * A minimal typed event emitter (no dependency, works the same in browsers and Node).
 *
 * @template {Record<string, unknown[]>} Events  event name -> listener arguments
 */
export class Emitter {
  constructor() {
    /** @internal @type {Map<keyof Events, Set<(...args: any[]) => void>>} */
    this._listeners = new Map();
  }

  /**
   * Adds a listener; returns a function that removes it.
   *
   * @template {keyof Events & string} K
   * @param {K} event
   * @param {(...args: Events[K]) => void} listener
   * @returns {() => void}
   */
  on(event, listener) {
    let set = this._listeners.get(event);
    if (!set) this._listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /**
   * Like {@link on}, but the listener runs at most once.
   *
   * @template {keyof Events & string} K
   * @param {K} event
   * @param {(...args: Events[K]) => void} listener
   * @returns {() => void}
   */
  once(event, listener) {
    const off = this.on(event, (...args) => { off(); listener(...args); });
    return off;
  }

  /**
   * Removes a listener added with {@link on}.
   *
   * @template {keyof Events & string} K
   * @param {K} event
   * @param {(...args: Events[K]) => void} listener
   */
  off(event, listener) {
    this._listeners.get(event)?.delete(listener);
  }

  /**
   * Calls every listener of the event. A listener that throws does not stop the others nor the client:
   * the exception is reported asynchronously, as an uncaught error of the listener would be.
   *
   * @template {keyof Events & string} K
   * @param {K} event
   * @param {Events[K]} args
   * @protected
   * @internal
   */
  _emit(event, ...args) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (e) {
        setTimeout(() => { throw e; }, 0);
      }
    }
  }
}

// The controller's animation frame: one callback that first drains what
// the socket worker received (`Transport.pump`), then paints, then, while
// replies are awaited, asks for the next frame so the ring is read every
// frame (docs/editor-protocol.md, "The page's socket").
//
// A frame asked for inside a frame's callback runs in the NEXT frame: so
// while the drain runs, `schedule()` only marks the state for the paint
// that follows in this same callback.

export interface FrameHooks {
  /** Takes what has arrived (may call `schedule()`). */
  drain(): void;
  paint(): void;
  /** Whether to ask for the next frame even with nothing to paint. */
  poll(): boolean;
}

export class FrameLoop {
  private frame = 0;
  private inDrain = false;
  private needsPaint = false;

  constructor(
    private readonly hooks: FrameHooks,
    private readonly raf: (f: () => void) => number = (f) => requestAnimationFrame(f),
    private readonly caf: (id: number) => void = (id) => cancelAnimationFrame(id),
  ) {}

  /** The state needs painting: at the next frame (in this one, during its drain). */
  schedule(): void {
    this.needsPaint = true;
    this.wake();
  }

  /** A frame, painting only if something changed (polling). */
  wake(): void {
    if (this.frame || this.inDrain) return;
    this.frame = this.raf(() => this.run());
  }

  /** Drains and paints now (tests and benchmarks). */
  flush(): void {
    if (this.frame) this.caf(this.frame);
    this.frame = 0;
    this.drain();
    this.needsPaint = false;
    this.hooks.paint();
  }

  private run(): void {
    this.frame = 0;
    this.drain();
    if (this.needsPaint) {
      this.needsPaint = false;
      this.hooks.paint();
    }
    if (this.hooks.poll()) this.wake();
  }

  private drain(): void {
    this.inDrain = true;
    try {
      this.hooks.drain();
    } catch (err) {
      console.error(err);
    } finally {
      this.inDrain = false;
    }
  }
}

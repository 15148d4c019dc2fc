// The replay engine: applies frames to the sandboxed iframe's document and draws the cursor and
// click ripples on an overlay. Seeking rebuilds from the last full snapshot before the target
// and applies everything up to it without effects.
import { applyMutation, buildDocument, Mirror } from './dom';
import { Interaction, RecordType, Source } from './records';
import { snapshotBefore, type Frame } from './timeline';

export interface Viewport {
  width: number;
  height: number;
}

export class Replayer {
  private mirror = new Mirror();
  private next = 0; // index of the next frame to apply
  private rootId = -1;
  private href = ''; // the recorded page's URL (Meta)
  viewport: Viewport = { width: 1024, height: 768 };

  constructor(
    private frames: Frame[],
    private iframe: HTMLIFrameElement,
    private cursor: HTMLElement,
    private overlay: HTMLElement,
    private onViewport: (v: Viewport) => void,
  ) {}

  private get doc(): Document | null {
    return this.iframe.contentDocument;
  }

  // Rebuilds the state at time `t`.
  seek(t: number): void {
    const snap = snapshotBefore(this.frames, t);
    if (snap < 0) return;
    // The Meta (viewport size) recorded with the snapshot comes just before it.
    for (let i = snap; i >= 0; i--) {
      const r = this.frames[i].record;
      if (r.type === RecordType.Meta) {
        this.setViewport(r.data);
        break;
      }
    }
    this.next = snap;
    this.cursor.style.display = 'none';
    this.advance(t, false);
  }

  // Applies frames up to and including time `t`; `live` draws click ripples.
  advance(t: number, live = true): void {
    while (this.next < this.frames.length && this.frames[this.next].time <= t) {
      this.apply(this.frames[this.next], live);
      this.next++;
    }
  }

  private setViewport(d: any): void {
    if (typeof d?.href === 'string') this.href = d.href;
    const w = Number(d?.width);
    const h = Number(d?.height);
    if (w > 0 && h > 0 && (w !== this.viewport.width || h !== this.viewport.height)) {
      this.viewport = { width: w, height: h };
      this.onViewport(this.viewport);
    }
  }

  private apply(f: Frame, live: boolean): void {
    const doc = this.doc;
    if (!doc) return;
    const r = f.record;
    const d = r.data ?? {};
    try {
      switch (r.type) {
        case RecordType.Meta:
          this.setViewport(d);
          return;
        case RecordType.FullSnapshot:
          if (d.node) {
            buildDocument(doc, d.node, this.mirror);
            this.addBase(doc);
            this.rootId = d.node.id;
            const off = d.initialOffset;
            if (off) doc.defaultView?.scrollTo(Number(off.left) || 0, Number(off.top) || 0);
          }
          return;
        case RecordType.IncrementalSnapshot:
          this.incremental(doc, f, live);
          return;
        default:
          return;
      }
    } catch (e) {
      // A record the DOM refuses is skipped: the rest of the replay still plays.
      console.warn('replay: record skipped', r.type, e);
    }
  }

  // Relative URLs resolve against the recorded page, not against Sextant (the frame's srcdoc
  // document would otherwise inherit Sextant's URL as its base).
  private addBase(doc: Document): void {
    if (!doc.head || doc.querySelector('base') || !/^https?:\/\//i.test(this.href)) return;
    const base = doc.createElement('base');
    base.setAttribute('href', this.href);
    doc.head.insertBefore(base, doc.head.firstChild);
  }

  private incremental(doc: Document, f: Frame, live: boolean): void {
    const d = f.record.data;
    switch (d.source) {
      case Source.Mutation:
        applyMutation(doc, d, this.mirror);
        return;
      case Source.MouseMove:
      case Source.TouchMove:
        if (f.pos) this.moveCursor(f.pos.x, f.pos.y);
        return;
      case Source.MouseInteraction:
        if (typeof d.x === 'number' && typeof d.y === 'number') {
          this.moveCursor(d.x, d.y);
          if (live && (d.type === Interaction.Click || d.type === Interaction.DblClick || d.type === Interaction.TouchStart)) {
            this.ripple(d.x, d.y);
          }
        }
        return;
      case Source.Scroll: {
        const n = this.mirror.get(d.id);
        if (d.id === this.rootId || n === doc || n === doc.documentElement) doc.defaultView?.scrollTo(d.x, d.y);
        else if (n && n.nodeType === 1) {
          (n as Element).scrollLeft = d.x;
          (n as Element).scrollTop = d.y;
        }
        return;
      }
      case Source.ViewportResize:
        this.setViewport(d);
        return;
      case Source.Input: {
        const n = this.mirror.get(d.id) as HTMLInputElement | undefined;
        if (!n) return;
        if (typeof d.text === 'string') n.value = d.text;
        if (typeof d.isChecked === 'boolean') n.checked = d.isChecked;
        return;
      }
      case Source.MediaInteraction: {
        const n = this.mirror.get(d.id) as HTMLMediaElement | undefined;
        if (!n || typeof n.pause !== 'function') return;
        if (typeof d.currentTime === 'number') n.currentTime = d.currentTime;
        // Media stays paused: playing it would need the recorded page's sources to load.
        n.pause();
        return;
      }
      case Source.StyleSheetRule: {
        const n = this.mirror.get(d.id) as HTMLStyleElement | undefined;
        const sheet = n?.sheet;
        if (!sheet) return;
        const idx = (i: unknown) => (Array.isArray(i) ? Number(i[0]) : Number(i));
        for (const rm of d.removes ?? []) {
          const i = idx(rm.index);
          if (i >= 0 && i < sheet.cssRules.length) sheet.deleteRule(i);
        }
        for (const add of d.adds ?? []) {
          const i = add.index === undefined ? sheet.cssRules.length : Math.min(idx(add.index), sheet.cssRules.length);
          try {
            sheet.insertRule(add.rule, i);
          } catch {
            /* a rule this browser does not parse */
          }
        }
        return;
      }
      default:
        return;
    }
  }

  private moveCursor(x: number, y: number): void {
    this.cursor.style.display = 'block';
    this.cursor.style.transform = `translate(${x}px, ${y}px)`;
    this.cursor.dataset.x = String(x);
    this.cursor.dataset.y = String(y);
  }

  private ripple(x: number, y: number): void {
    const el = this.overlay.ownerDocument.createElement('span');
    el.className = 'rr-ripple';
    el.dataset.testid = 'replay-click';
    el.style.left = `${x}px`;
    el.style.top = `${y}px`;
    this.overlay.appendChild(el);
    setTimeout(() => el.remove(), 700);
  }
}

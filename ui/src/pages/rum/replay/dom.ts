// Rebuilds a recorded page's DOM from rrweb serialized nodes and applies incremental records to
// it, inside the player's sandboxed iframe. Nothing from the recording may run: <script> is
// dropped, as are on* attributes, javascript: URLs, srcdoc and <meta http-equiv=refresh>;
// everything else is kept as recorded (stylesheets come inline in `_cssText`).
import { NodeType, type SerializedNode } from './records';

// The subset of the DOM the builder uses (a real Document in the browser; unit tests pass a
// small fake).
export type Doc = Document;

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'background', 'poster', 'data', 'cite']);

// Whether an attribute value is a script URL (browsers ignore leading spaces/control
// characters and embedded tabs/newlines in the scheme).
export function isScriptUrl(v: string): boolean {
  const s = v.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  return s.startsWith('javascript:') || s.startsWith('vbscript:');
}

// The attributes to set on a rebuilt element (name → value), after the safety rules; `css` is
// a stylesheet's text (`_cssText`) to place inside the element instead. rr_width/rr_height (a
// hidden element's recorded size) become its size.
export function safeAttributes(tag: string, attrs: Record<string, unknown>):
    { attrs: [string, string][]; css?: string; scroll?: [number, number] } {
  const out: [string, string][] = [];
  let css: string | undefined;
  let scroll: [number, number] | undefined;
  let size = '';
  for (const [name, raw] of Object.entries(attrs)) {
    if (raw === null || raw === undefined || raw === false) continue;
    const v = raw === true ? '' : String(raw);
    const n = name.toLowerCase();
    if (n === '_csstext') {
      css = v;
      continue;
    }
    if (n === 'rr_width') size += `width:${v};`;
    else if (n === 'rr_height') size += `height:${v};`;
    else if (n === 'rr_scrollleft') scroll = [Number(v) || 0, scroll?.[1] ?? 0];
    else if (n === 'rr_scrolltop') scroll = [scroll?.[0] ?? 0, Number(v) || 0];
    if (n.startsWith('rr_') || n.startsWith('on') || n === 'srcdoc') continue;
    if (URL_ATTRS.has(n) && isScriptUrl(v)) continue;
    if (n === 'srcset' && isScriptUrl(v)) continue;
    if (tag === 'meta' && n === 'http-equiv' && v.toLowerCase() === 'refresh') continue;
    out.push([name, v]);
  }
  if (size) {
    const style = out.find((a) => a[0] === 'style');
    if (style) style[1] = `${style[1]};${size}`;
    else out.push(['style', size]);
  }
  return scroll ? { attrs: out, css, scroll } : { attrs: out, css };
}

// Elements never rebuilt (their subtree is dropped too).
export function isDropped(n: SerializedNode): boolean {
  if (n.type !== NodeType.Element) return false;
  const tag = (n.tagName ?? '').toLowerCase();
  if (tag === 'script') return true;
  if (tag === 'link') {
    const rel = String(n.attributes?.rel ?? '').toLowerCase();
    // preload/modulepreload of scripts are harmless but useless; keep stylesheets and icons.
    return rel.includes('preload') && String(n.attributes?.as ?? '') === 'script';
  }
  return false;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

// The rebuilt nodes by recorded id.
export class Mirror {
  private nodes = new Map<number, Node>();
  private ids = new Map<Node, number>();
  // Recorded scroll positions of elements just built (rr_scrollLeft/rr_scrollTop), applied once
  // they are in the document.
  pendingScroll: [Element, number, number][] = [];
  applyScroll(): void {
    for (const [el, left, top] of this.pendingScroll) {
      el.scrollLeft = left;
      el.scrollTop = top;
    }
    this.pendingScroll = [];
  }
  get(id: number): Node | undefined {
    return this.nodes.get(id);
  }
  set(id: number, n: Node): void {
    this.nodes.set(id, n);
    this.ids.set(n, id);
  }
  // Forgets a removed node and its subtree.
  remove(n: Node): void {
    const id = this.ids.get(n);
    if (id !== undefined) this.nodes.delete(id);
    this.ids.delete(n);
    for (let c = n.firstChild; c; c = c.nextSibling) this.remove(c);
  }
  reset(): void {
    this.nodes.clear();
    this.ids.clear();
  }
}

function setElementAttr(el: Element, name: string, v: string): void {
  try {
    el.setAttribute(name, v);
  } catch {
    /* an attribute name the DOM refuses (recorded from a framework's odd markup) */
  }
  const tag = el.tagName.toLowerCase();
  if ((tag === 'input' || tag === 'textarea' || tag === 'select') && name === 'value') (el as HTMLInputElement).value = v;
}

// Builds one serialized node (and its children) in `doc`; undefined for a dropped node.
export function buildNode(doc: Doc, n: SerializedNode, mirror: Mirror, svg = false): Node | undefined {
  let node: Node | undefined;
  switch (n.type) {
    case NodeType.Document:
    case NodeType.DocumentType:
      return undefined; // the caller owns the document; the iframe's doctype is fixed
    case NodeType.Text:
      node = doc.createTextNode(n.textContent ?? '');
      break;
    case NodeType.CDATA:
      node = doc.createTextNode(n.textContent ?? '');
      break;
    case NodeType.Comment:
      node = doc.createComment(n.textContent ?? '');
      break;
    case NodeType.Element: {
      if (isDropped(n)) return undefined;
      let tag = (n.tagName ?? 'div').toLowerCase();
      const inSvg = svg || n.isSVG === true || tag === 'svg';
      const { attrs, css, scroll } = safeAttributes(tag, n.attributes ?? {});
      // A linked stylesheet arrives as its text: an inline <style> instead.
      if (tag === 'link' && css !== undefined) tag = 'style';
      let el: Element;
      try {
        el = inSvg ? doc.createElementNS(SVG_NS, tag) : doc.createElement(tag);
      } catch {
        el = doc.createElement('div');
      }
      for (const [k, v] of attrs) {
        if (tag === 'style' && (k === 'href' || k === 'rel')) continue;
        setElementAttr(el, k, v);
      }
      if (css !== undefined) el.appendChild(doc.createTextNode(css));
      if (scroll) mirror.pendingScroll.push([el, scroll[0], scroll[1]]);
      node = el;
      mirror.set(n.id, el);
      for (const c of n.childNodes ?? []) {
        const child = buildNode(doc, c, mirror, inSvg && tag !== 'foreignobject');
        if (child) el.appendChild(child);
      }
      return el;
    }
    default:
      return undefined;
  }
  mirror.set(n.id, node);
  return node;
}

// Replaces `doc`'s content with a full snapshot's tree.
export function buildDocument(doc: Doc, root: SerializedNode, mirror: Mirror): void {
  mirror.reset();
  while (doc.documentElement) doc.removeChild(doc.documentElement);
  mirror.set(root.id, doc);
  for (const c of root.childNodes ?? []) {
    const n = buildNode(doc, c, mirror);
    if (n) doc.appendChild(n);
  }
  mirror.applyScroll();
}

export interface MutationData {
  adds?: { parentId: number; nextId?: number | null; node: SerializedNode }[];
  removes?: { parentId: number; id: number }[];
  texts?: { id: number; value: string | null }[];
  attributes?: { id: number; attributes: Record<string, string | null> }[];
}

// Applies a mutation record: removes, then adds (an add whose parent or next sibling arrives
// later in the same record waits for it), then texts and attributes. Nodes the mirror does not
// know (dropped or never recorded) are skipped.
export function applyMutation(doc: Doc, m: MutationData, mirror: Mirror): void {
  for (const r of m.removes ?? []) {
    const n = mirror.get(r.id);
    if (!n) continue;
    n.parentNode?.removeChild(n);
    mirror.remove(n);
  }
  let pending = [...(m.adds ?? [])];
  while (pending.length) {
    const later: typeof pending = [];
    for (const a of pending) {
      const parent = mirror.get(a.parentId);
      const wantsNext = a.nextId !== undefined && a.nextId !== null;
      const next = wantsNext ? mirror.get(a.nextId!) : undefined;
      if (!parent || (wantsNext && !next)) {
        later.push(a);
        continue;
      }
      insert(doc, parent, next, a.node, mirror);
    }
    if (later.length === pending.length) {
      // No progress: a missing next sibling means "append"; a missing parent, skip.
      for (const a of later) {
        const parent = mirror.get(a.parentId);
        if (parent) insert(doc, parent, undefined, a.node, mirror);
      }
      break;
    }
    pending = later;
  }
  for (const t of m.texts ?? []) {
    const n = mirror.get(t.id);
    if (n) n.textContent = t.value ?? '';
  }
  for (const a of m.attributes ?? []) {
    const n = mirror.get(a.id);
    if (!n || n.nodeType !== 1) continue;
    const el = n as Element;
    const tag = el.tagName.toLowerCase();
    for (const [name, value] of Object.entries(a.attributes)) {
      if (value === null || value === undefined) {
        el.removeAttribute(name);
        continue;
      }
      const { attrs, css } = safeAttributes(tag, { [name]: value });
      for (const [k, v] of attrs) setElementAttr(el, k, v);
      if (css !== undefined) el.textContent = css;
    }
  }
}

function insert(doc: Doc, parent: Node, next: Node | undefined, s: SerializedNode, mirror: Mirror): void {
  const svg = parent.nodeType === 1 && (parent as Element).namespaceURI === SVG_NS;
  const n = buildNode(doc, s, mirror, svg);
  if (!n) return;
  if (next && next.parentNode === parent) parent.insertBefore(n, next);
  else parent.appendChild(n);
  mirror.applyScroll();
}

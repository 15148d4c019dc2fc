// The DOM builder and mutation application over a small fake DOM (the unit project runs in
// node without a DOM); the browser test checks the real iframe. Expected markup written by hand.
import { describe, expect, it } from 'vitest';
import { applyMutation, buildDocument, isScriptUrl, Mirror, safeAttributes, type Doc } from './dom';
import type { SerializedNode } from './records';

class FNode {
  childNodes: FNode[] = [];
  parentNode: FNode | null = null;
  attrs = new Map<string, string>();
  value = '';
  scrollLeft = 0;
  scrollTop = 0;
  constructor(public nodeType: number, public tagName = '', public text = '', public namespaceURI = '') {}
  get firstChild(): FNode | null { return this.childNodes[0] ?? null; }
  get nextSibling(): FNode | null {
    const s = this.parentNode?.childNodes;
    return s ? s[s.indexOf(this) + 1] ?? null : null;
  }
  get textContent(): string { return this.nodeType === 1 ? this.childNodes.map((c) => c.textContent).join('') : this.text; }
  set textContent(v: string) {
    if (this.nodeType === 1) this.childNodes = [new FNode(3, '', v)];
    else this.text = v;
  }
  appendChild(c: FNode) { return this.insertBefore(c, null); }
  insertBefore(c: FNode, ref: FNode | null) {
    c.parentNode?.removeChild(c);
    const i = ref ? this.childNodes.indexOf(ref) : -1;
    if (i < 0) this.childNodes.push(c);
    else this.childNodes.splice(i, 0, c);
    c.parentNode = this;
    return c;
  }
  removeChild(c: FNode) {
    this.childNodes = this.childNodes.filter((x) => x !== c);
    c.parentNode = null;
    return c;
  }
  setAttribute(k: string, v: string) { this.attrs.set(k, v); }
  removeAttribute(k: string) { this.attrs.delete(k); }
  get documentElement(): FNode | null { return this.childNodes.find((c) => c.nodeType === 1) ?? null; }
  createElement(t: string) { return new FNode(1, t.toUpperCase(), '', 'http://www.w3.org/1999/xhtml'); }
  createElementNS(ns: string, t: string) { return new FNode(1, t, '', ns); }
  createTextNode(t: string) { return new FNode(3, '', t); }
  createComment(t: string) { return new FNode(8, '', t); }
  // Markup for assertions.
  html(): string {
    if (this.nodeType === 3) return this.text;
    if (this.nodeType === 8) return `<!--${this.text}-->`;
    const inner = this.childNodes.map((c) => c.html()).join('');
    if (this.nodeType === 9) return inner;
    const t = this.tagName.toLowerCase();
    return `<${t}${[...this.attrs].map(([k, v]) => ` ${k}="${v}"`).join('')}>${inner}</${t}>`;
  }
}

const el = (id: number, tagName: string, attributes: Record<string, any> = {}, childNodes: SerializedNode[] = []): SerializedNode =>
  ({ type: 2, id, tagName, attributes, childNodes });
const text = (id: number, textContent: string): SerializedNode => ({ type: 3, id, textContent });

function page(): SerializedNode {
  return {
    type: 0, id: 1, childNodes: [
      { type: 1, id: 2, name: 'html', publicId: '', systemId: '' },
      el(3, 'html', {}, [
        el(4, 'head', {}, [
          el(5, 'title', {}, [text(6, 'T')]),
          el(7, 'script', { src: 'x.js' }, [text(8, 'alert(1)')]),
          el(9, 'link', { rel: 'stylesheet', href: 'a.css', _cssText: 'h1 { color: red; }' }),
        ]),
        el(10, 'body', { onload: 'evil()' }, [
          el(11, 'h1', { class: 'big' }, [text(12, 'Hello')]),
          el(13, 'a', { href: ' JaVaScript:alert(1)', title: 't' }, [text(14, 'x')]),
          el(15, 'div', { 'data-dd-privacy': 'hidden', rr_width: '30px', rr_height: '20px' }),
          el(16, 'ul', { rr_scrollTop: 120, rr_scrollLeft: '5' }),
        ]),
      ]),
    ],
  };
}

function built() {
  const doc = new FNode(9);
  const mirror = new Mirror();
  buildDocument(doc as unknown as Doc, page(), mirror);
  return { doc, mirror };
}

describe('buildDocument', () => {
  it('rebuilds the tree without scripts, handlers or script URLs, with inline stylesheets', () => {
    const { doc } = built();
    expect(doc.html()).toBe(
      '<html><head><title>T</title><style>h1 { color: red; }</style></head>' +
      '<body><h1 class="big">Hello</h1><a title="t">x</a>' +
      '<div data-dd-privacy="hidden" style="width:30px;height:20px;"></div><ul></ul></body></html>');
    // The recorded scroll position of the list.
    const { mirror } = built();
    const ul = mirror.get(16) as unknown as FNode;
    expect([ul.scrollLeft, ul.scrollTop]).toEqual([5, 120]);
  });

  it('replaces the previous document', () => {
    const { doc, mirror } = built();
    buildDocument(doc as unknown as Doc, { type: 0, id: 1, childNodes: [el(2, 'html', {}, [el(3, 'body')])] }, mirror);
    expect(doc.html()).toBe('<html><body></body></html>');
    expect(mirror.get(11)).toBeUndefined();
  });
});

describe('applyMutation', () => {
  it('removes, adds before a sibling (even one added later in the record), sets texts and attributes', () => {
    const { doc, mirror } = built();
    const d = doc as unknown as Doc;
    applyMutation(d, {
      removes: [{ parentId: 10, id: 13 }],
      adds: [
        { parentId: 10, nextId: 21, node: el(20, 'p', {}, [text(22, 'first')]) }, // before 21, added next
        { parentId: 10, nextId: 11, node: el(21, 'p', { onclick: 'x()' }, [text(23, 'second')]) },
        { parentId: 20, nextId: null, node: el(24, 'script', {}, []) },
        { parentId: 99, nextId: null, node: text(25, 'orphan') },
      ],
      texts: [{ id: 12, value: 'Bye' }],
      attributes: [{ id: 11, attributes: { class: null, id: 'h', onmouseover: 'x()' } }],
    }, mirror);
    expect(doc.html()).toBe(
      '<html><head><title>T</title><style>h1 { color: red; }</style></head>' +
      '<body><p>first</p><p>second</p><h1 id="h">Bye</h1>' +
      '<div data-dd-privacy="hidden" style="width:30px;height:20px;"></div><ul></ul></body></html>');
    expect(mirror.get(13)).toBeUndefined();
    expect(mirror.get(14)).toBeUndefined();
    // Later records reach nodes added by earlier ones.
    applyMutation(d, { texts: [{ id: 22, value: 'changed' }], removes: [{ parentId: 10, id: 21 }] }, mirror);
    expect(doc.html()).toContain('<body><p>changed</p><h1 id="h">Bye</h1>');
  });

  it('appends when the next sibling is unknown and ignores unknown nodes', () => {
    const { doc, mirror } = built();
    applyMutation(doc as unknown as Doc, {
      adds: [{ parentId: 11, nextId: 777, node: text(30, '!') }],
      removes: [{ parentId: 10, id: 555 }],
      texts: [{ id: 556, value: 'x' }],
    }, mirror);
    expect(doc.html()).toContain('<h1 class="big">Hello!</h1>');
  });
});

describe('safety rules', () => {
  it('recognises script URLs however written', () => {
    expect(isScriptUrl('javascript:alert(1)')).toBe(true);
    expect(isScriptUrl('  JAVA\tSCRIPT:x')).toBe(true);
    expect(isScriptUrl('vbscript:x')).toBe(true);
    expect(isScriptUrl('https://x/javascript:')).toBe(false);
    expect(isScriptUrl('/page')).toBe(false);
  });

  it('keeps ordinary attributes and drops the executable ones', () => {
    expect(safeAttributes('iframe', { src: 'https://x/', srcdoc: '<script>', onload: 'y', width: 3, hidden: true, gone: false }))
      .toEqual({ attrs: [['src', 'https://x/'], ['width', '3'], ['hidden', '']] });
    expect(safeAttributes('meta', { 'http-equiv': 'Refresh', content: '0;url=/' }).attrs).toEqual([['content', '0;url=/']]);
    expect(safeAttributes('style', { _cssText: 'a{}', media: 'print' })).toEqual({ attrs: [['media', 'print']], css: 'a{}' });
  });
});

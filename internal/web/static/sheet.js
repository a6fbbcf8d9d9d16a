// A small modal bottom sheet for a feed item: "Why this video?" and the "…"
// menu. One per feed, refilled each time it opens.
import { h, icon } from './dom.js';

let sheetCount = 0;

export class Sheet {
  constructor() {
    const titleId = `sheet-title-${++sheetCount}`;
    this.title = h('h2', { id: titleId, class: 'drawer-title', 'data-testid': 'sheet-title' });
    this.body = h('div', { class: 'sheet-body' });
    this.el = h('dialog', { class: 'sheet', 'data-testid': 'item-sheet', 'aria-labelledby': titleId },
      h('header', { class: 'drawer-head' }, this.title,
        h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', 'data-testid': 'sheet-close', onclick: () => this.close() }, icon('close'))),
      this.body);
    // A click on the backdrop lands on the dialog itself, outside its content.
    this.el.addEventListener('click', (e) => { if (e.target === this.el) this.close(); });
  }

  get isOpen() { return this.el.open; }

  open(title, ...content) {
    this.title.textContent = title;
    this.body.replaceChildren(...content);
    if (!this.el.open) this.el.showModal();
  }

  close() {
    if (this.el.open) this.el.close();
  }
}

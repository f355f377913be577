// A long list that keeps only what is near the screen in the page.
// Items are grouped in blocks; a block far from the viewport is an empty box of the height it
// had when it was last drawn (or an estimate), so a 3-hour transcript costs a few dozen nodes.

export class BlockList {
  constructor(scroller, renderItem, { blockSize = 40, estimate = 30, margin = 1200 } = {}) {
    this.scroller = scroller;
    this.renderItem = renderItem;
    this.blockSize = blockSize;
    this.estimate = estimate;
    this.items = [];
    this.blocks = [];
    this.root = document.createElement("div");
    this.root.className = "blocks";
    scroller.prepend(this.root);
    this.observer = new IntersectionObserver((entries) => this.onSeen(entries), {
      root: scroller,
      rootMargin: `${margin}px 0px`,
    });
  }

  setItems(items) {
    this.observer.disconnect();
    this.root.textContent = "";
    this.items = [];
    this.blocks = [];
    for (const item of items) this.push(item);
  }

  push(item) {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.count >= this.blockSize) block = this.newBlock();
    this.items.push(item);
    block.count += 1;
    if (block.drawn) block.el.appendChild(this.draw(this.items.length - 1));
    else block.el.style.height = `${block.count * this.estimate}px`;
    return this.items.length - 1;
  }

  // The item at ``index`` is now ``item`` (redrawn where it is shown).
  replace(index, item) {
    this.items[index] = item;
    const block = this.blocks.find((b) => index >= b.start && index < b.start + b.count);
    const old = block && block.drawn ? block.el.children[index - block.start] : null;
    if (old) old.replaceWith(this.draw(index));
  }

  newBlock() {
    const el = document.createElement("div");
    el.className = "block";
    const block = { el, start: this.items.length, count: 0, drawn: false, height: 0 };
    el.dataset.block = String(this.blocks.length);
    this.blocks.push(block);
    this.root.appendChild(el);
    this.observer.observe(el);
    return block;
  }

  draw(index) {
    const el = this.renderItem(this.items[index], index);
    el.dataset.index = String(index);
    return el;
  }

  render(block) {
    if (block.drawn) return;
    const frag = document.createDocumentFragment();
    for (let i = block.start; i < block.start + block.count; i++) frag.appendChild(this.draw(i));
    block.el.textContent = "";
    block.el.appendChild(frag);
    block.el.style.height = "";
    block.drawn = true;
  }

  forget(block) {
    if (!block.drawn) return;
    block.height = block.el.offsetHeight;
    block.el.style.height = `${block.height}px`;
    block.el.textContent = "";
    block.drawn = false;
  }

  onSeen(entries) {
    for (const e of entries) {
      const block = this.blocks[Number(e.target.dataset.block)];
      if (!block) continue;
      if (e.isIntersecting) this.render(block);
      else this.forget(block);
    }
  }

  // Draw again what is on screen (the items changed in place, e.g. a speaker's new name).
  redraw() {
    for (const block of this.blocks) {
      if (!block.drawn) continue;
      block.drawn = false;
      this.render(block);
    }
  }

  // The element of item ``index``, drawn and scrolled into the middle of the view.
  reveal(index) {
    const block = this.blocks[Math.floor(index / this.blockSize)];
    if (!block) return null;
    this.render(block);
    const el = block.el.querySelector(`[data-index="${index}"]`);
    if (el) el.scrollIntoView({ block: "center" });
    return el;
  }

  // The element of item ``index`` if it is drawn now.
  element(index) {
    const block = this.blocks[Math.floor(index / this.blockSize)];
    return block && block.drawn ? block.el.querySelector(`[data-index="${index}"]`) : null;
  }

  drawnCount() {
    return this.root.querySelectorAll("[data-index]").length;
  }
}

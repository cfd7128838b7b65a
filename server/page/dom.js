// Every value from the server goes into the page as text (textContent), never as HTML.

export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/** A table cell with the column name it shows, for the stacked layout on a phone. */
export function cell(label, content, cls) {
  const td = el('td', undefined, cls);
  td.dataset.label = label;
  td.append(...[].concat(content).map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return td;
}

export function button(label, onClick, cls) {
  const b = el('button', label, cls);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

/** Replaces the list's items, or shows `empty` as its only item. */
export function fill(list, items, empty) {
  list.replaceChildren(...(items.length ? items : [el('li', empty, 'none')]));
}

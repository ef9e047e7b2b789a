// The only way the client builds DOM: elements with properties, and children that are either
// nodes or strings. Strings always become text nodes, so user content can never become markup.

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') el.className = value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'text') el.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Puts `items` (nodes) into `parent` in this order, moving only what is out of place. */
export function reconcile(parent, items) {
  let cursor = parent.firstChild;
  for (const item of items) {
    if (item === cursor) {
      cursor = cursor.nextSibling;
    } else {
      parent.insertBefore(item, cursor);
    }
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

/** Only http(s) and blob URLs may become a link or an image source. */
export function safeUrl(url) {
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url, location.href);
    return ['http:', 'https:', 'blob:'].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

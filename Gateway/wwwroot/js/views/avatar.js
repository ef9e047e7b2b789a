import { h } from '../dom.js';
import { hueOf, initials } from '../format.js';

/** A round badge with a person's or group's initials, coloured by id. */
export function avatar(id, name, size = 'md') {
  const el = h('span', { className: `avatar avatar-${size}`, 'aria-hidden': 'true' }, initials(name));
  el.style.setProperty('--hue', String(hueOf(id)));
  return el;
}

// Sign in or sign up.

import { h } from '../dom.js';

export function renderAuthView(root, api, onSignedIn) {
  let mode = 'signin';
  const error = h('p', { className: 'form-error', role: 'alert', testid: 'auth-error' });
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, minLength: 3, maxLength: 32, testid: 'username', placeholder: 'alice' });
  const displayName = h('input', { name: 'display_name', autocomplete: 'name', maxLength: 64, testid: 'display-name', placeholder: 'Alice Liddell' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, minLength: 8, maxLength: 128, testid: 'password' });
  const displayField = h('label', { className: 'field' }, h('span', {}, 'Display name (optional)'), displayName);
  const submit = h('button', { type: 'submit', className: 'primary wide', testid: 'auth-submit' });
  const title = h('h1');
  const subtitle = h('p', { className: 'muted' });
  const toggle = h('button', { type: 'button', className: 'link', testid: 'auth-toggle' });

  function show() {
    const signup = mode === 'signup';
    title.textContent = signup ? 'Create your account' : 'Welcome back';
    subtitle.textContent = signup ? 'Pick a username people can find you by.' : 'Sign in to pick up where you left off.';
    submit.textContent = signup ? 'Sign up' : 'Sign in';
    toggle.textContent = signup ? 'I have an account — sign in' : 'New here? Create an account';
    displayField.hidden = !signup;
    password.autocomplete = signup ? 'new-password' : 'current-password';
    error.textContent = '';
  }

  toggle.addEventListener('click', () => { mode = mode === 'signin' ? 'signup' : 'signin'; show(); });

  const form = h('form', { className: 'auth-card', testid: 'auth-form', novalidate: true },
    h('div', { className: 'brand' }, h('img', { src: 'icon.svg', alt: '', width: 40, height: 40 }), h('span', {}, 'ChatOrleans')),
    title, subtitle,
    h('label', { className: 'field' }, h('span', {}, 'Username'), username),
    displayField,
    h('label', { className: 'field' }, h('span', {}, 'Password'), password),
    error, submit, toggle);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const auth = mode === 'signup'
        ? await api.register(username.value.trim(), password.value, displayName.value.trim())
        : await api.login(username.value.trim(), password.value);
      onSignedIn(auth);
    } catch (err) {
      error.textContent = err.status === 401 ? 'Wrong username or password.' : err.message;
    } finally {
      submit.disabled = false;
    }
  });

  show();
  root.replaceChildren(h('main', { className: 'auth-screen' }, form));
  username.focus();
}

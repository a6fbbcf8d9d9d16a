// Search (videos, accounts, hashtags; trending when there is no query) and
// the hashtag page.
import { api, listOf, pager } from './api.js';
import { avatar, compact, h, icon } from './dom.js';
import { gridCell, videoGrid } from './grid.js';
import { emptyState, errorBox, spinner } from './ui.js';

export function searchPage(main) {
  const q = (new URLSearchParams(location.search).get('q') || '').trim();
  const input = h('input', { type: 'search', name: 'q', value: q, placeholder: 'Search', 'aria-label': 'Search', 'data-testid': 'search-input', autocomplete: 'off', enterkeyhint: 'search' });
  const form = h('form', { class: 'search-form', role: 'search', action: '/search', 'data-testid': 'search-form' },
    icon('search', { size: 20 }), input, h('button', { class: 'button primary', type: 'submit', text: 'Search' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = input.value.trim();
    window.dispatchEvent(new CustomEvent('flick:navigate', { detail: value ? `/search?q=${encodeURIComponent(value)}` : '/search' }));
  });
  const results = h('div', { class: 'search-results', 'data-testid': 'search-results' }, spinner('Searching'));
  main.replaceChildren(h('div', { class: 'page search' }, h('h1', { class: 'visually-hidden', text: 'Search' }), form, results));
  if (!q && matchMedia('(hover: hover)').matches) input.focus();
  if (q) document.title = `${q} · Search · Flick`;

  const render = async () => {
    try {
      if (q) {
        const r = await api('GET', `/search?q=${encodeURIComponent(q)}`);
        const accounts = listOf(r?.accounts);
        const tags = listOf(r?.hashtags);
        const videos = listOf(r?.videos);
        results.replaceChildren(...[
          accounts.length ? section('Accounts', h('ul', { class: 'account-list', 'data-testid': 'search-accounts' }, accounts.map(accountRow))) : null,
          tags.length ? section('Hashtags', tagList(tags, 'search-hashtags')) : null,
          videos.length ? section('Videos', h('div', { class: 'grid', 'data-testid': 'search-videos' }, videos.map((v) => gridCell(v)))) : null,
          !accounts.length && !tags.length && !videos.length ? emptyState(`No results for “${q}”`, 'Try a different word, a @handle or a #hashtag.') : null].filter(Boolean));
      } else {
        const r = await api('GET', '/trending');
        const tags = listOf(r?.hashtags);
        const videos = listOf(r?.videos);
        results.replaceChildren(...[
          tags.length ? section('Trending hashtags', tagList(tags, 'trending-hashtags')) : null,
          videos.length ? section('Trending videos', h('div', { class: 'grid', 'data-testid': 'trending-videos' }, videos.map((v) => gridCell(v)))) : null,
          !tags.length && !videos.length ? emptyState('Nothing trending yet', 'Be the one who starts it.', { href: '/upload', text: 'Upload a video' }) : null].filter(Boolean));
      }
    } catch (err) {
      results.replaceChildren(errorBox(err.message, render));
    }
  };
  render();
}

function section(title, body) {
  return h('section', { class: 'result-section' }, h('h2', { text: title }), body);
}

function accountRow(a) {
  return h('li', {}, h('a', { class: 'account-row', href: `/@${a.handle}`, 'data-testid': 'account-result' }, avatar(a, 48),
    h('span', { class: 'account-names' }, h('strong', { text: a.display_name || a.handle }), h('span', { class: 'muted', text: `@${a.handle}` })),
    a.follower_count !== undefined ? h('span', { class: 'muted small', text: `${compact(a.follower_count)} followers` }) : null));
}

function tagList(tags, testid) {
  return h('ul', { class: 'tag-list', 'data-testid': testid }, tags.map((t) => {
    const tag = typeof t === 'string' ? t : t.tag;
    return h('li', {}, h('a', { class: 'tag-chip', href: `/tag/${encodeURIComponent(tag)}` }, `#${tag}`,
      t.videos ? h('span', { class: 'muted', text: ` ${compact(t.videos)}` }) : null));
  }));
}

export function tagPage(main, { tag }) {
  const grid = videoGrid(pager(`/hashtags/${encodeURIComponent(tag)}/videos`), {
    from: `tag:${tag}`,
    empty: emptyState(`No videos with #${tag} yet`, 'Use it in a caption and yours will be the first.', { href: '/upload', text: 'Upload' }),
  });
  main.replaceChildren(h('div', { class: 'page tag', 'data-testid': 'tag-page' },
    h('header', { class: 'tag-head' }, h('span', { class: 'tag-badge', 'aria-hidden': 'true', text: '#' }),
      h('h1', { 'data-testid': 'tag-title', text: `#${tag}` })),
    grid.el));
  return grid.cleanup;
}

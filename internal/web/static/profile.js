// A creator's profile: who they are, their counts (followers and following
// open their lists), follow and share buttons, and the grid of their videos
// (with processing and failed ones on your own) beside a "Liked" tab for
// the owner, or for everyone when the owner made their likes public.
import { api, pager } from './api.js';
import { avatar, compact, h, icon } from './dom.js';
import { followButton, openAccountList } from './follows.js';
import { videoGrid } from './grid.js';
import { currentUser } from './session.js';
import { Sheet } from './sheet.js';
import { emptyState, errorBox, shareLink, spinner } from './ui.js';

export async function profilePage(main, { handle }) {
  main.replaceChildren(h('div', { class: 'page' }, spinner('Loading profile')));
  let account;
  try {
    account = await api('GET', `/accounts/${encodeURIComponent(handle)}`);
  } catch (err) {
    main.replaceChildren(h('div', { class: 'page' }, err.status === 404
      ? emptyState('Account not found', `There is no one called @${handle} on Flick.`, { href: '/search', text: 'Search Flick' })
      : errorBox(err.message, () => profilePage(main, { handle }))));
    return undefined;
  }
  document.title = `${account.display_name || `@${account.handle}`} (@${account.handle}) · Flick`;
  const me = currentUser();
  const own = !!me && me.id === account.id;
  const path = `/accounts/${encodeURIComponent(account.handle)}`;

  const sheet = new Sheet();
  sheet.el.classList.add('account-sheet');
  const count = (n) => h('strong', { text: compact(n) });
  const listButton = (kind, label, testid) => {
    const btn = h('button', { class: 'stat-button', type: 'button', 'data-testid': `${testid}-button`,
      onclick: () => openAccountList(sheet, account, kind, (now) => {
        // Following someone from your own lists changes your own count.
        if (!own) return;
        account.following_count = Math.max(0, account.following_count + (now ? 1 : -1));
        renderCounts();
      }) });
    return { li: h('li', { 'data-testid': testid }, btn), btn, label };
  };
  const followers = listButton('followers', 'Followers', 'follower-count');
  const following = listButton('following', 'Following', 'following-count');
  const renderCounts = () => {
    for (const [s, n] of [[followers, account.follower_count], [following, account.following_count]]) {
      s.btn.replaceChildren(count(n), ` ${s.label}`);
      s.btn.setAttribute('aria-label', `${n} ${s.label}: show the list`);
    }
  };
  renderCounts();
  const followBtn = own ? null : followButton(account, { testid: 'profile-follow-button', onChange: (r, now) => {
    account.follower_count = r?.follower_count ?? Math.max(0, account.follower_count + (now ? 1 : -1));
    renderCounts();
  } });
  const shareBtn = h('button', { class: 'button', type: 'button', 'data-testid': 'profile-share-button', 'aria-label': `Share @${account.handle}’s profile`,
    onclick: () => shareLink(new URL(`/@${account.handle}`, location.origin).href, `@${account.handle} on Flick`) },
  icon('share', { size: 18 }), 'Share');

  // The tabs: Videos, and Liked where the viewer may see it.
  let cleanup = null;
  const panel = h('div', { class: 'profile-panel', role: 'tabpanel', id: 'profile-panel' });
  const grids = {
    videos: () => videoGrid(pager(`${path}/videos`), {
      showStatus: own,
      from: `@${account.handle}`,
      empty: own ? emptyState('Share your first video', 'Your uploads will appear here.', { href: '/upload', text: 'Upload' })
        : emptyState('No videos yet', `@${account.handle} hasn’t posted anything.`),
    }),
    liked: () => videoGrid(pager(`${path}/liked`), {
      testid: 'liked-grid',
      empty: emptyState('No liked videos yet', own ? 'Videos you like will appear here.' : `@${account.handle} hasn’t liked any videos yet.`),
    }),
  };
  const tabs = [['videos', 'Videos'], ...(own || account.likes_public ? [['liked', 'Liked']] : [])].map(([name, label]) =>
    h('button', { class: 'profile-tab', type: 'button', role: 'tab', 'aria-controls': panel.id, 'data-tab': name, 'data-testid': `profile-tab-${name}`,
      onclick: () => show(name) }, name === 'liked' ? icon('heart', { size: 16 }) : icon('play', { size: 16 }), label));
  const show = (name) => {
    cleanup?.();
    for (const t of tabs) t.setAttribute('aria-selected', String(t.dataset.tab === name));
    const grid = grids[name]();
    cleanup = grid.cleanup;
    panel.replaceChildren(grid.el);
  };
  show('videos');

  main.replaceChildren(h('div', { class: 'page profile', 'data-testid': 'profile' },
    h('header', { class: 'profile-head' },
      avatar(account, 96),
      h('div', { class: 'profile-id' },
        h('h1', { class: 'profile-handle', 'data-testid': 'profile-handle', text: `@${account.handle}` }),
        account.display_name ? h('p', { class: 'profile-name', 'data-testid': 'profile-name', text: account.display_name }) : null,
        h('div', { class: 'profile-actions' }, own ? h('a', { class: 'button', href: '/settings', text: 'Edit profile' }) : followBtn, shareBtn))),
    h('ul', { class: 'profile-stats' },
      following.li, followers.li, h('li', { 'data-testid': 'video-count' }, count(account.video_count), ' Videos')),
    account.bio ? h('p', { class: 'profile-bio', 'data-testid': 'profile-bio', text: account.bio }) : null,
    h('div', { class: 'profile-tabs', role: 'tablist', 'aria-label': 'Videos' }, tabs),
    panel, sheet.el));
  return () => cleanup?.();
}

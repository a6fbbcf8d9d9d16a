// A creator's profile: who they are, their counts, a follow button and the
// grid of their videos (with processing and failed ones on your own).
import { api, pager } from './api.js';
import { avatar, compact, h } from './dom.js';
import { videoGrid } from './grid.js';
import { currentUser } from './session.js';
import { emptyState, errorBox, promptLogin, spinner, toast } from './ui.js';

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

  const stat = (n, label, testid) => h('li', { 'data-testid': testid }, h('strong', { text: compact(n) }), ` ${label}`);
  const followers = stat(account.follower_count, 'Followers', 'follower-count');
  const followBtn = own ? null : h('button', { class: 'button primary', type: 'button', 'data-testid': 'profile-follow-button' });
  const renderFollow = () => {
    followBtn.textContent = account.following ? 'Following' : 'Follow';
    followBtn.classList.toggle('primary', !account.following);
    followBtn.setAttribute('aria-pressed', String(!!account.following));
    followers.replaceChildren(h('strong', { text: compact(account.follower_count) }), ' Followers');
  };
  if (followBtn) {
    renderFollow();
    followBtn.addEventListener('click', async () => {
      if (!currentUser()) {
        promptLogin(`Log in to follow @${account.handle}.`);
        return;
      }
      const want = !account.following;
      followBtn.disabled = true;
      try {
        const r = await api(want ? 'POST' : 'DELETE', `/accounts/${encodeURIComponent(account.handle)}/follow`);
        account.following = typeof r?.following === 'boolean' ? r.following : want;
        account.follower_count = r?.follower_count ?? r?.account?.follower_count ?? Math.max(0, account.follower_count + (want ? 1 : -1));
        renderFollow();
      } catch (err) {
        toast(err.message);
      } finally {
        followBtn.disabled = false;
      }
    });
  }

  const grid = videoGrid(pager(`/accounts/${encodeURIComponent(account.handle)}/videos`), {
    showStatus: own,
    from: `@${account.handle}`,
    empty: own ? emptyState('Share your first video', 'Your uploads will appear here.', { href: '/upload', text: 'Upload' })
      : emptyState('No videos yet', `@${account.handle} hasn’t posted anything.`),
  });
  main.replaceChildren(h('div', { class: 'page profile', 'data-testid': 'profile' },
    h('header', { class: 'profile-head' },
      avatar(account, 96),
      h('div', { class: 'profile-id' },
        h('h1', { class: 'profile-handle', 'data-testid': 'profile-handle', text: `@${account.handle}` }),
        account.display_name ? h('p', { class: 'profile-name', 'data-testid': 'profile-name', text: account.display_name }) : null,
        own ? h('a', { class: 'button', href: '/settings', text: 'Edit profile' }) : followBtn)),
    h('ul', { class: 'profile-stats' },
      stat(account.following_count, 'Following', 'following-count'), followers, stat(account.video_count, 'Videos', 'video-count')),
    account.bio ? h('p', { class: 'profile-bio', 'data-testid': 'profile-bio', text: account.bio }) : null,
    h('h2', { class: 'visually-hidden', text: 'Videos' }),
    grid.el));
  return grid.cleanup;
}

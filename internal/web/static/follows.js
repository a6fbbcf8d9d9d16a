// Following people: the follow button (profiles and the lists) and the
// followers and following lists, a sheet of accounts loaded a page at a
// time.
import { api, pager } from './api.js';
import { avatar, h } from './dom.js';
import { currentUser } from './session.js';
import { errorBox, promptLogin, spinner, toast } from './ui.js';

// followButton follows or unfollows account ({handle, following}) on each
// tap and calls onChange(answer, nowFollowing) after each change.
export function followButton(account, { onChange, testid = 'follow-button' } = {}) {
  const btn = h('button', { class: 'button follow-toggle', type: 'button', 'data-testid': testid });
  const render = () => {
    btn.textContent = account.following ? 'Following' : 'Follow';
    btn.classList.toggle('primary', !account.following);
    btn.setAttribute('aria-pressed', String(!!account.following));
    btn.setAttribute('aria-label', `${account.following ? 'Unfollow' : 'Follow'} @${account.handle}`);
  };
  render();
  btn.addEventListener('click', async () => {
    if (!currentUser()) {
      promptLogin(`Log in to follow @${account.handle}.`);
      return;
    }
    const want = !account.following;
    btn.disabled = true;
    try {
      const r = await api(want ? 'POST' : 'DELETE', `/accounts/${encodeURIComponent(account.handle)}/follow`);
      account.following = typeof r?.following === 'boolean' ? r.following : want;
      render();
      onChange?.(r, account.following);
    } catch (err) {
      toast(err.message);
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}

// openAccountList fills sheet with account's followers or following (kind)
// and opens it; onFollow(nowFollowing) tells the profile of each follow or
// unfollow made from the list.
export function openAccountList(sheet, account, kind, onFollow) {
  const me = currentUser();
  const list = h('ul', { class: 'account-list', 'data-testid': 'account-list', 'aria-label': kind === 'followers' ? `Followers of @${account.handle}` : `Accounts @${account.handle} follows` });
  const foot = h('div', { class: 'account-list-foot' });
  const next = pager(`/accounts/${encodeURIComponent(account.handle)}/${kind}`);
  const row = (a) => h('li', { class: 'account-row', 'data-testid': 'account-row', 'data-handle': a.handle },
    h('a', { class: 'account-who', href: `/@${encodeURIComponent(a.handle)}`, onclick: () => sheet.close() },
      avatar(a, 44),
      h('span', { class: 'account-names' }, h('strong', { text: `@${a.handle}` }), a.display_name ? h('small', { class: 'muted', text: a.display_name }) : null)),
    me?.id === a.id ? null : followButton(a, { testid: 'list-follow-button', onChange: (_, now) => onFollow?.(now) }));
  const load = async () => {
    foot.replaceChildren(spinner());
    try {
      const page = await next();
      list.append(...page.items.map(row));
      foot.replaceChildren(
        !list.children.length ? h('p', { class: 'muted account-list-empty', 'data-testid': 'account-list-empty',
          text: kind === 'followers' ? `No one follows @${account.handle} yet.` : `@${account.handle} doesn’t follow anyone yet.` }) : '',
        page.done ? '' : h('button', { class: 'button load-more', type: 'button', 'data-testid': 'account-list-more', text: 'Show more', onclick: load }));
    } catch (err) {
      foot.replaceChildren(errorBox(err.message, load));
    }
  };
  sheet.open(kind === 'followers' ? 'Followers' : 'Following', h('div', { class: 'account-list-scroll' }, list, foot));
  load();
}

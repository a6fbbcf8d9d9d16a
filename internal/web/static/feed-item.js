// One video of the feed as elements: the player with its overlay (author,
// caption, "Why this video?") and the column of actions beside it.
import { avatar, h, icon, richText } from './dom.js';

const LONG_CAPTION = 90;
const LABEL_CAPTION = 100; // of the caption in the video's accessible name

// feedItem returns the item: the video v, its place in the feed and the
// elements the feed's parts update. on holds what each control does to it.
export function feedItem(v, index, on) {
  v.counts = { views: 0, likes: 0, comments: 0, shares: 0, ...(v.counts || {}) };
  const it = { v, index };
  const handle = v.author?.handle || 'unknown';
  const profile = `/@${handle}`;

  it.video = h('video', {
    class: `video${v.width > v.height ? ' landscape' : ''}`, playsInline: true, loop: true, muted: true,
    preload: 'none', 'data-testid': 'feed-video', disablepictureinpicture: true,
  });
  it.progress = h('div', { class: 'progress-fill' });
  it.scrubber = h('div', { class: 'scrubber', role: 'slider', tabindex: 0, 'aria-label': 'Seek', 'aria-valuemin': 0, 'aria-valuemax': 0,
    'aria-valuenow': 0, 'data-testid': 'scrubber' }, h('div', { class: 'progress' }, it.progress));
  it.playIcon = h('div', { class: 'play-indicator', hidden: true, 'aria-hidden': 'true' }, icon('play', { filled: true, size: 64 }));
  it.heartBurst = h('div', { class: 'heart-burst', 'aria-hidden': 'true' }, icon('heart', { filled: true, size: 96 }));
  it.tap = h('button', { class: 'tap-layer', type: 'button', 'aria-label': 'Pause video', 'data-testid': 'tap-layer', onclick: () => on.tap(it) });
  it.error = h('p', { class: 'video-error', hidden: true, role: 'alert', text: 'This video can’t be played right now.' });

  const caption = v.caption ? h('p', { class: 'caption', 'data-testid': 'caption' }, richText(v.caption)) : null;
  const more = caption && (v.caption.length > LONG_CAPTION || v.caption.includes('\n'))
    ? h('button', { class: 'link-button caption-more', type: 'button', 'aria-expanded': 'false', text: 'more', onclick: (e) => {
      const open = caption.classList.toggle('expanded');
      e.currentTarget.textContent = open ? 'less' : 'more';
      e.currentTarget.setAttribute('aria-expanded', String(open));
    } })
    : null;
  const reasons = (v.reasons || []).filter(Boolean);
  const overlay = h('div', { class: 'overlay' },
    h('a', { class: 'author', href: profile, 'data-testid': 'author-link' },
      h('strong', { text: `@${handle}` }),
      v.author?.display_name && v.author.display_name !== handle ? h('span', { class: 'author-name', text: v.author.display_name }) : null),
    caption, more,
    reasons.length ? h('button', { class: 'link-button why-button', type: 'button', 'data-testid': 'why-button',
      'aria-haspopup': 'dialog', text: 'Why this video?', onclick: () => on.why(it) }) : null);

  it.followBtn = h('button', { class: 'follow-button', type: 'button', hidden: true, 'data-testid': 'follow-button',
    'aria-label': `Follow @${handle}`, onclick: () => on.follow(it) }, icon('plus', { size: 16 }));
  it.likeCount = h('span', { class: 'action-count', 'data-testid': 'like-count' });
  it.likeBtn = h('button', { class: 'action like', type: 'button', 'data-testid': 'like-button', onclick: () => on.like(it) },
    h('span', { class: 'action-icon' }, icon('heart', { filled: true, size: 30 })), it.likeCount);
  it.commentCount = h('span', { class: 'action-count', 'data-testid': 'comment-count' });
  it.commentBtn = h('button', { class: 'action', type: 'button', 'data-testid': 'comment-button', onclick: () => on.comments(it) },
    h('span', { class: 'action-icon' }, icon('comment', { filled: true, size: 30 })), it.commentCount);
  it.shareCount = h('span', { class: 'action-count', 'data-testid': 'share-count' });
  it.shareBtn = h('button', { class: 'action', type: 'button', 'data-testid': 'share-button', onclick: () => on.share(it) },
    h('span', { class: 'action-icon' }, icon('share', { filled: true, size: 30 })), it.shareCount);
  it.moreBtn = h('button', { class: 'action', type: 'button', 'data-testid': 'more-button', 'aria-label': 'More options',
    'aria-haspopup': 'dialog', onclick: () => on.menu(it) }, h('span', { class: 'action-icon' }, icon('more', { filled: true, size: 30 })));

  it.el = h('article', { class: 'feed-item', 'data-testid': 'feed-item', 'data-index': index, 'data-video-id': v.id,
    'aria-label': v.caption ? `Video by @${handle}: ${v.caption.slice(0, LABEL_CAPTION)}` : `Video by @${handle}` },
    h('div', { class: 'player' }, it.video, it.tap, it.playIcon, it.heartBurst, it.error,
      overlay, it.scrubber),
    h('div', { class: 'actions' },
      h('div', { class: 'avatar-wrap' }, h('a', { href: profile, 'aria-label': `@${handle}’s profile` }, avatar(v.author || {}, 48)), it.followBtn),
      it.likeBtn, it.commentBtn, it.shareBtn, it.moreBtn));
  return it;
}

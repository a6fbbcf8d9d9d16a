// What the server declares once and hands every page in the shell's boot
// data block: the page routes with their titles, the limits that forms
// state and check before the server would refuse, and whether forgotten
// passwords are reset by email.
const boot = JSON.parse(document.getElementById('boot').textContent);

export const { routes, limits } = boot;
export const mailsResets = boot.mails_resets;
export const notFound = boot.not_found;

// What the server declares once and hands every page in the shell's boot
// data block: the page routes with their titles, and the limits that forms
// state and check before the server would refuse.
const boot = JSON.parse(document.getElementById('boot').textContent);

export const { routes, limits } = boot;
export const notFound = boot.not_found;

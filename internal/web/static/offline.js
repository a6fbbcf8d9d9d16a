// The offline page reloads itself once the network is back.
addEventListener('online', () => location.reload());

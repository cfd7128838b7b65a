/**
 * Loaded with `node --require` into a server under test: a bug anywhere in its process, striking when the test
 * sends SIGUSR2 rather than after a delay a loaded machine may outlast. (A plugin's bug cannot play this part:
 * plugins run in processes of their own.)
 */
process.on('SIGUSR2', () => {
  throw new Error('server bug');
});

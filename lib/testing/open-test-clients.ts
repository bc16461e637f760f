/** What the registry needs of a client. */
export interface Closable {
  close(): Promise<unknown>;
}

const openClients = new Set<Closable>();

export const trackClient = (client: Closable): void => void openClients.add(client);

export const untrackClient = (client: Closable): void => void openClients.delete(client);

/**
 * Closes every test client still open (close handshakes included, bounded by each client's
 * timeout). Made for `afterEach`.
 *
 * @example
 * afterEach(closeAllTestClients);
 */
export async function closeAllTestClients(): Promise<void> {
  await Promise.all([...openClients].map((client) => client.close()));
}

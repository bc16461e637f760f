import { LocalConnections } from '../../lib/session/local-connections';
import { WsConnection } from '../../lib/session/ws-connection';
import { ReadyState } from '../../lib/transport/connection';

/**
 * This node's open connections for adapter unit tests: adapters join only connections the node
 * has open (issue 14, no ghost members), so a test's ids must be registered here first.
 */
export function fakeLocalConnections(ids: readonly string[], onFrame: (id: string, frame: Buffer) => void = () => undefined): LocalConnections {
  const local = new LocalConnections();
  for (const id of ids) {
    local.add({ id, readyState: ReadyState.Open, sendFrame: (frame: Buffer) => onFrame(id, frame) } as unknown as WsConnection);
  }
  return local;
}

import { once } from 'node:events';
import { createServer, get } from 'node:http';
import { Server as SocketIoServer } from 'socket.io';
import WebSocket from 'ws';
import { useTransportHarness } from '../../helpers/transport-harness';

describe('UpgradeListener: sharing an HTTP server with socket.io', () => {
  const harness = useTransportHarness();
  const ioServers: SocketIoServer[] = [];
  afterEach(async () => {
    for (const io of ioServers.splice(0)) await new Promise((resolve) => io.close(resolve));
  });

  const fetchText = (port: number, path: string): Promise<string> =>
    new Promise((resolve, reject) => {
      get({ port, host: '127.0.0.1', path, agent: false }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(`${response.statusCode} ${text}`));
      }).on('error', reject);
    });

  it.each(['before', 'after'])('attached %s us: its polling and websocket transports, our path and the app routes all work', async (order) => {
    const server = createServer((request, response) => response.end(`app ${request.url}`));
    const attachIo = (): void => void ioServers.push(new SocketIoServer(server));
    if (order === 'before') attachIo();
    const { port } = await harness.start({
      server,
      routes: [{ path: '/echo', onConnection: (connection) => void connection.on('message', (data) => connection.send(`echo ${data.toString()}`)) }],
    });
    if (order === 'after') attachIo();

    const polling = await fetchText(port, '/socket.io/?EIO=4&transport=polling');
    // engine.io speaks first, possibly before an open listener would run: listen for it from the start.
    const ioSocket = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
    const [openPacket] = (await once(ioSocket, 'message')) as [Buffer];
    ioSocket.terminate();
    const ours = await harness.ws(`ws://127.0.0.1:${port}/echo`);
    ours.send('x');
    const [echoed] = (await once(ours, 'message')) as [Buffer];

    expect(polling).toMatch(/^200 0\{"sid":/); // engine.io's open packet
    expect(openPacket.toString()).toMatch(/^0\{"sid":/);
    expect(echoed.toString()).toBe('echo x');
    expect(ours.readyState).toBe(WebSocket.OPEN);
    expect(await fetchText(port, '/health')).toBe('200 app /health');
  });
});

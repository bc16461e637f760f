import { Gateway, OnMessage, WsResponse } from 'nest-rfc6455';
import { from, Observable } from 'rxjs';
import { map } from 'rxjs/operators';

@Gateway({ path: '/', port: 8080 })
export class EventsGateway {
  @OnMessage('events')
  onEvent(client: any, data: any): Observable<WsResponse<number>> {
    return from([1, 2, 3]).pipe(map(item => ({ event: 'events', data: item })));
  }
}

import { Gateway, MessageBody, OnMessage, WsResponse } from 'nest-rfc6455';
import { from, Observable } from 'rxjs';
import { map } from 'rxjs/operators';

@Gateway({ path: '/' })
export class EventsGateway {
  @OnMessage('events')
  findAll(@MessageBody() data: any): Observable<WsResponse<number>> {
    return from([1, 2, 3]).pipe(map(item => ({ event: 'events', data: item })));
  }

  @OnMessage('identity')
  async identity(@MessageBody() data: number): Promise<number> {
    return data;
  }
}

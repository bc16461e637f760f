import { Body, Controller, HttpCode, HttpStatus, Param, Post, ValidationPipe } from '@nestjs/common';
import { Rooms } from '../../../lib';
import { chatRoom } from '../chat/chat-room';
import { PostMessageDto } from './post-message.dto';

/** An HTTP controller pushing to WebSocket clients through the injected Rooms service: to a chat room, so it is kept in its history. */
@Controller('rooms')
export class RoomsController {
  constructor(private readonly rooms: Rooms) {}

  @Post(':room/messages')
  @HttpCode(HttpStatus.ACCEPTED)
  async post(@Param('room') room: string, @Body(new ValidationPipe()) { text }: PostMessageDto): Promise<{ room: string; members: number }> {
    await this.rooms.to(chatRoom(room)).send('said', { room, from: 'server', text, at: new Date().toISOString() });
    return { room, members: (await this.rooms.members(chatRoom(room))).length };
  }
}

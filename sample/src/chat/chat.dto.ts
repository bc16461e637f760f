import { IsString, Length, Matches } from 'class-validator';

const ROOM = /^[\w-]+$/;

export class JoinDto {
  @IsString() @Length(1, 64) @Matches(ROOM, { message: 'room may hold letters, digits, "_" and "-"' })
  room!: string;

  @IsString() @Length(1, 32)
  name!: string;
}

export class LeaveDto {
  @IsString() @Length(1, 64) @Matches(ROOM)
  room!: string;
}

export class SayDto {
  @IsString() @Length(1, 64) @Matches(ROOM)
  room!: string;

  @IsString() @Length(1, 2000)
  text!: string;
}

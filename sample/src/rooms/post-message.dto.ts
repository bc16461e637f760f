import { IsString, Length } from 'class-validator';

export class PostMessageDto {
  @IsString() @Length(1, 2000)
  text!: string;
}

import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { ErrorBody } from '../../../lib';
import { NotAMemberError } from './not-a-member.error';

/** An exception filter on a gateway: what it returns becomes the `data` of the error envelope. */
@Catch(NotAMemberError)
export class ChatErrorFilter implements ExceptionFilter<NotAMemberError> {
  catch(error: NotAMemberError, host: ArgumentsHost): ErrorBody {
    const event = host.switchToWs().getPattern() as string;
    return { event, code: 'NOT_A_MEMBER', message: error.message, details: { room: error.room } };
  }
}

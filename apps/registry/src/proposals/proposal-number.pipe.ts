import { Injectable, type PipeTransform } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../kernel/errors/request-error.js';

/** A proposal number in a path: a whole number from 1 to 999,999,999 (it must fit the database's integer). */
@Injectable()
export class ProposalNumberPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,8}$/.test(value)) {
      throw new RequestError(RequestErrorCode.Invalid, 'A proposal number is a whole number from 1 to 999999999.', { errors: [{ pointer: '#/number', detail: 'not a proposal number' }] });
    }
    return Number(value);
  }
}

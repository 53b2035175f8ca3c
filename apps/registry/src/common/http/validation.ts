import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';

interface FieldProblem {
  pointer: string;
  detail: string;
}

/**
 * Validates every body, query and path DTO. Unknown members are refused, not dropped: a client that
 * sends `status` or `ownerId` into a create learns at once that it was not accepted.
 */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problems = flatten(errors, '');
      const unknown = problems.filter((p) => p.detail.startsWith('unknown field'));
      if (unknown.length > 0) {
        return new RequestError(RequestErrorCode.UnknownField, `Not accepted here: ${unknown.map((p) => p.pointer).join(', ')}.`, { errors: unknown });
      }
      return new RequestError(RequestErrorCode.Invalid, problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), { errors: problems });
    },
  });
}

function flatten(errors: ValidationError[], parent: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const pointer = `${parent}/${error.property}`;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      pointer: `#${pointer}`,
      detail: constraint === 'whitelistValidation' ? 'unknown field' : message,
    }));
    return [...own, ...flatten(error.children ?? [], pointer)];
  });
}

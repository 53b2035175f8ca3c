import { applyDecorators, type Type, ValidationPipe, type ValidationError } from '@nestjs/common';
import { PartialType } from '@nestjs/swagger';
import { getMetadataStorage, IsOptional, ValidateBy, ValidateIf } from 'class-validator';
import { RequestError, RequestErrorCode } from '../errors/request-error.js';

const NOT_NULL = 'isNotNull';

/**
 * A member the client may leave out, but never send as null. class-validator's own @IsOptional lets null
 * through every other rule, and a null then reaches a NOT NULL column (a 500) or a date (1970-01-01). Use it
 * for every optional member Plaza has no meaning for null; @ClearableField for the few where null clears a value.
 */
export function OptionalField(): PropertyDecorator {
  return applyDecorators(ValidateIf((_object, value) => value !== undefined), NotNull());
}

/** The DTO with every member made an @OptionalField: an edit that changes any of them, none to null. */
export function OptionalFields<T>(classRef: Type<T>): Type<Partial<T>> {
  const partial = PartialType(classRef, { skipNullProperties: false });
  const members = new Set(getMetadataStorage().getTargetValidationMetadatas(classRef, '', true, false).map((m) => m.propertyName));
  for (const member of members) NotNull()(partial.prototype, member);
  return partial;
}

function NotNull(): PropertyDecorator {
  return ValidateBy({ name: NOT_NULL, validator: { validate: (value) => value !== null, defaultMessage: (args) => `${args?.property} may be left out, but not null` } });
}

/** A member the client may leave out, or send as null to clear a value that may be empty (a column that is nullable by design). */
export function ClearableField(): PropertyDecorator {
  return IsOptional();
}

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
    const constraints = error.constraints ?? {};
    // A null says so alone, not with every type rule a null then fails too.
    const reported = NOT_NULL in constraints ? { [NOT_NULL]: constraints[NOT_NULL]! } : constraints;
    const own = Object.entries(reported).map(([constraint, message]) => ({
      pointer: `#${pointer}`,
      detail: constraint === 'whitelistValidation' ? 'unknown field' : message,
    }));
    return [...own, ...flatten(error.children ?? [], pointer)];
  });
}

import 'reflect-metadata';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { DtoSchemas, loadValidationRules } from '../../../lib/asyncapi/dto-schema';

@ValidatorConstraint({ name: 'isEven' })
class IsEven implements ValidatorConstraintInterface {
  validate(value: number): boolean {
    return value % 2 === 0;
  }
}

class ProfileDto {
  @IsEmail()
  email!: string;

  @IsUUID()
  id!: string;

  @IsInt() @Min(1) @Max(120)
  age!: number;

  @IsString() @MinLength(2) @MaxLength(20) @IsNotEmpty()
  nick!: string;

  @IsIn(['red', 'blue'])
  color!: string;

  @IsBoolean() @IsOptional()
  isPublic?: boolean;

  @ArrayMinSize(1) @ArrayMaxSize(3)
  links!: string[];

  @Validate(IsEven)
  lucky!: number;
}

class PointDto {
  @IsInt()
  x!: number;
}

class LineDto {
  @IsOptional()
  from?: PointDto;

  @IsOptional()
  to?: PointDto;
}

class Plain {
  name!: string;
}

describe('DtoSchemas', () => {
  let schemas: DtoSchemas;

  beforeEach(async () => {
    schemas = new DtoSchemas(await loadValidationRules());
  });

  it('describes a DTO as a component from its class-validator rules, each property with its design type', () => {
    expect(schemas.forType(ProfileDto)).toEqual({ $ref: '#/components/schemas/ProfileDto' });
    expect(schemas.components.ProfileDto).toEqual({
      type: 'object',
      title: 'ProfileDto',
      properties: {
        email: { type: 'string', format: 'email' },
        id: { type: 'string', format: 'uuid' },
        age: { type: 'integer', minimum: 1, maximum: 120 },
        nick: { type: 'string', minLength: 2, maxLength: 20 },
        color: { type: 'string', enum: ['red', 'blue'] },
        isPublic: { type: 'boolean' },
        links: { type: 'array', minItems: 1, maxItems: 3 },
        lucky: { type: 'number' },
      },
      required: ['email', 'id', 'age', 'nick', 'color', 'links', 'lucky'],
    });
  });

  it('describes a DTO used by two properties once, as one component both refer to, and leaves out required when nothing is', () => {
    schemas.forType(LineDto);

    expect(schemas.components.LineDto).toEqual({
      type: 'object',
      title: 'LineDto',
      properties: { from: { $ref: '#/components/schemas/PointDto' }, to: { $ref: '#/components/schemas/PointDto' } },
    });
    expect(Object.keys(schemas.components)).toEqual(['LineDto', 'PointDto']);
  });

  it('describes primitives by their type, and a class without rules or Object as anything', () => {
    expect([String, Number, Boolean, Array, Date, Buffer, Object, undefined].map((type) => schemas.forType(type))).toEqual([
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'array' },
      { type: 'string', format: 'date-time' },
      { type: 'string', format: 'binary' },
      {},
      {},
    ]);
    expect(schemas.forType(Plain)).toEqual({ title: 'Plain' });
    expect(schemas.components).toEqual({});
  });

  it('gives two DTO classes of the same name two components', () => {
    const first = class SameName {};
    const second = class SameName {};
    const rules = () => [{ type: 'customValidation', name: 'isString', propertyName: 'a' }];
    const own = new DtoSchemas(rules);

    expect([own.forType(first), own.forType(second), own.forType(first)]).toEqual([
      { $ref: '#/components/schemas/SameName' },
      { $ref: '#/components/schemas/SameName2' },
      { $ref: '#/components/schemas/SameName' },
    ]);
  });
});

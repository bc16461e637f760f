import { Type } from '@nestjs/common';
import { JsonSchema } from './asyncapi-document.interface';

/** The part of class-validator's ValidationMetadata we read. */
interface ValidationRule {
  type: string;
  name?: string;
  propertyName: string;
  constraints?: unknown[];
  each?: boolean;
}

/** class-validator's metadata storage, when the package is installed (it is optional here). */
export type ValidationRules = (target: Type) => ValidationRule[];

/** Loads class-validator if it is installed; without it, DTOs are described by their property types alone. */
export async function loadValidationRules(): Promise<ValidationRules> {
  try {
    const { getMetadataStorage } = await import('class-validator');
    return (target) => getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  } catch {
    return () => [];
  }
}

/** What one class-validator rule says about a value, in JSON Schema words. */
function ruleSchema({ name, constraints = [] }: ValidationRule): JsonSchema {
  const [first, second] = constraints;
  const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  switch (name) {
    case 'isString':
      return { type: 'string' };
    case 'isInt':
      return { type: 'integer' };
    case 'isNumber':
      return { type: 'number' };
    case 'isBoolean':
      return { type: 'boolean' };
    case 'isArray':
      return { type: 'array' };
    case 'isObject':
      return { type: 'object' };
    case 'isEmail':
      return { type: 'string', format: 'email' };
    case 'isUuid':
      return { type: 'string', format: 'uuid' };
    case 'isUrl':
      return { type: 'string', format: 'uri' };
    case 'isDateString':
    case 'isIso8601':
      return { type: 'string', format: 'date-time' };
    case 'isLength':
      return { minLength: number(first), maxLength: number(second) };
    case 'minLength':
      return { minLength: number(first) };
    case 'maxLength':
      return { maxLength: number(first) };
    case 'isNotEmpty':
      return { minLength: 1 };
    case 'matches':
      return { pattern: first instanceof RegExp ? first.source : String(first) };
    case 'min':
      return { minimum: number(first) };
    case 'max':
      return { maximum: number(first) };
    case 'isPositive':
      return { exclusiveMinimum: 0 };
    case 'isNegative':
      return { exclusiveMaximum: 0 };
    case 'isIn':
      return Array.isArray(first) ? { enum: [...(first as unknown[])] } : {};
    case 'isEnum':
      return Array.isArray(second) ? { enum: [...(second as unknown[])] } : {};
    case 'arrayMinSize':
      return { minItems: number(first) };
    case 'arrayMaxSize':
      return { maxItems: number(first) };
    default:
      return {}; // a custom or unmapped rule: the property is still listed, with its type
  }
}

/** Drops the keys a rule left undefined, so the document has no `"minLength": null`. */
const defined = (schema: JsonSchema): JsonSchema =>
  Object.fromEntries(Object.entries(schema).filter(([, value]) => value !== undefined)) as JsonSchema;

/**
 * JSON Schemas of DTO classes, collected as components: a class becomes
 * `#/components/schemas/<Name>` once, and nested DTOs (`@ValidateNested()` with their design type) too.
 */
export class DtoSchemas {
  readonly components: Record<string, JsonSchema> = {};
  private readonly names = new Map<Type, string>();

  constructor(private readonly rules: ValidationRules) {}

  /** The schema of a parameter or property whose design type is `type` (`undefined` when unknown). */
  forType(type: unknown): JsonSchema {
    if (type === String) return { type: 'string' };
    if (type === Number) return { type: 'number' };
    if (type === Boolean) return { type: 'boolean' };
    if (type === Array) return { type: 'array' };
    if (type === Date) return { type: 'string', format: 'date-time' };
    if (type === Buffer) return { type: 'string', format: 'binary' };
    if (typeof type !== 'function' || type === Object) return {};
    return this.forClass(type as Type);
  }

  private forClass(target: Type): JsonSchema {
    const rules = this.rules(target);
    if (rules.length === 0) return { title: target.name };
    const known = this.names.get(target);
    if (known) return { $ref: `#/components/schemas/${known}` };
    const name = this.componentName(target);
    this.names.set(target, name);
    const schema: JsonSchema = { type: 'object', title: target.name, properties: {}, required: [] };
    this.components[name] = schema; // before the properties: a DTO that nests itself refers to this entry
    const properties = schema.properties as Record<string, JsonSchema>;
    const optional = new Set<string>();
    for (const rule of rules) {
      if (rule.type === 'conditionalValidation' && rule.name === 'isOptional') optional.add(rule.propertyName);
      const property = (properties[rule.propertyName] ??= this.forType(Reflect.getMetadata('design:type', target.prototype, rule.propertyName)));
      if (rule.type === 'customValidation') this.apply(property, rule);
    }
    schema.required = Object.keys(properties).filter((property) => !optional.has(property));
    if (schema.required.length === 0) delete schema.required;
    return { $ref: `#/components/schemas/${name}` };
  }

  /** Merges a rule into a property's schema; `each: true` rules describe the items of an array. */
  private apply(property: JsonSchema, rule: ValidationRule): void {
    // @IsNotEmpty() beside @MinLength(n) or @Length(n, m) says nothing more.
    if (rule.name === 'isNotEmpty' && (property.minLength ?? 0) >= 1) return;
    const described = defined(ruleSchema(rule));
    if (!rule.each) return void Object.assign(property, described);
    property.type = 'array';
    property.items = { ...property.items, ...described };
  }

  /** The class name, made unique when two DTO classes share one. */
  private componentName(target: Type): string {
    const base = target.name || 'Dto';
    let name = base;
    for (let n = 2; name in this.components; n++) name = `${base}${n}`;
    return name;
  }
}

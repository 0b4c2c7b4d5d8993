import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { int32 } from '../upstreams/int32.js';
import { isVendorDateTime } from '../upstreams/vendorDate.js';


/**
 * Compiles the response validators of one vendor from its OpenAPI component schemas (generated
 * into openapi.gen.ts from schema/upstreams/<vendor>.yaml). Built once at start; Ajv turns each
 * schema into a plain function, so checking a payload costs little next to parsing it.
 */
export function compileValidators(vendor: string, componentSchemas: Readonly<Record<string, object>>) {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  ajv.addFormat('date-time', { type: 'string', validate: isVendorDateTime });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => int32(n) !== null });
  ajv.addFormat('int64', { type: 'number', validate: Number.isSafeInteger });
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: vendor, components: { schemas: componentSchemas } });
  return <T>(schemaName: string): ValidateFunction<T> => {
    const validate = ajv.getSchema<T>(`${vendor}#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`${vendor} has no schema ${schemaName}`);
    return validate;
  };
}

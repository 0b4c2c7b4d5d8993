/**
 * GraphQL's Int is 32-bit. A vendor integer beyond it cannot be sent truthfully, so it is null
 * rather than a response-wide error that would carry the vendor's value to the client.
 */
export const int32 = (value: number | null | undefined): number | null =>
  value !== null && value !== undefined && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? value : null;

/** The OpenAPI description of the API (`GET /docs/openapi.json`) and its HTML page (`GET /docs`). */
export * from './openapi.document';
export * from './openapi.page';

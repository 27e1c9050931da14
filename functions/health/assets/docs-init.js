// Starts Swagger UI on the docs page (functions/health/src/docs.rs inlines this file).
// Everything it loads comes from the page's own origin: the document beside the page
// (a relative URL, so a stage or base path in front of /api/v1 is kept), no remote validator,
// no ?url= or ?configUrl= from the address bar, tokens kept in memory only.
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null,
  queryConfigEnabled: false,
  persistAuthorization: false,
  deepLinking: true,
  displayRequestDuration: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
});

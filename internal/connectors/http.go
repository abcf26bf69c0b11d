package connectors

import (
	"context"

	"github.com/bistro-dev/bistro/connector"
	"github.com/bistro-dev/bistro/internal/connectors/httpconn"
)

// HTTP describes the built-in HTTP step (internal/httpstep) as a connector,
// so it is listed, documented and checked like any other. The step runs on
// its own; its connections hold an API's address and credentials once, for
// the steps that name them.
func HTTP() connector.Spec {
	return connector.Spec{
		Name:        "http",
		Title:       "HTTP",
		Version:     "1.1.0",
		Category:    "web",
		Description: "Call any web API: send a request per record and turn the response into records, with authentication, retries and pagination. A connection keeps an API's address and credentials (OAuth2 client credentials included) for the steps that name it.",
		BuiltIn:     true,
		Config:      httpConfig(),
		Actions:     []connector.Action{httpRequest()},
		Endpoints: []connector.Endpoint{
			{Field: "base_url", Format: connector.URLEndpoint},
			{Field: "auth.oauth2.token_url", Format: connector.URLEndpoint},
			{Action: "request", Field: "url", Format: connector.URLEndpoint},
		},
	}
}

// NewHTTP returns the http connector: its spec, and connections that http
// steps send their requests through (internal/connectors/httpconn).
func NewHTTP() connector.Connector { return httpConnector{} }

type httpConnector struct{}

func (httpConnector) Spec() connector.Spec { return HTTP() }

func (httpConnector) Open(ctx context.Context, config map[string]any, env connector.Env) (connector.Conn, error) {
	c, err := httpconn.Open(ctx, config, env, nil)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// httpConfig are the settings of an http connection.
func httpConfig() []connector.Field {
	text := connector.Field{Type: connector.String, Help: "A header's value."}
	return []connector.Field{
		{Name: "base_url", Type: connector.String, Required: true, Example: "https://api.example.com/v1", Since: "1.1.0",
			Help: "The API's address. A step's url that starts with / is added to it (base_url https://api.example.com/v1 and url /contacts call https://api.example.com/v1/contacts); an absolute url must be on the same host. Credentials are only sent to this scheme, host and port."},
		httpConnAuth(),
		{Name: "headers", Type: connector.Object, Items: &text, Since: "1.1.0", Help: "Headers sent with every request to base_url's host, e.g. Accept or a tenant id; a step's own headers win."},
		{Name: "timeout", Type: connector.Duration, Default: "30s", Since: "1.1.0", Help: "How long one request may take when the step does not set timeout."},
	}
}

func httpConnAuth() connector.Field {
	scope := connector.Field{Type: connector.String, Help: "A scope."}
	param := connector.Field{Type: connector.String, Help: "A parameter's value."}
	return connector.Field{Name: "auth", Type: connector.Object, Since: "1.1.0", Help: "How the connection logs in; give at most one of basic, bearer, api_key and oauth2. Credentials are only sent to base_url's scheme, host and port, never to another host a redirect or a next page leads to.", Fields: []connector.Field{
		{Name: "basic", Type: connector.Object, Help: "HTTP basic authentication.", Fields: []connector.Field{
			{Name: "username", Type: connector.String, Required: true, Help: "The user name."},
			{Name: "password", Type: connector.String, Required: true, Secret: true, Help: "The password."},
		}},
		{Name: "bearer", Type: connector.String, Secret: true, Help: "A token sent as \"Authorization: Bearer ...\"."},
		{Name: "api_key", Type: connector.Object, Help: "Sends a key in a header or a query parameter (exactly one).", Fields: []connector.Field{
			{Name: "header", Type: connector.String, Example: "X-Api-Key", Help: "The name of the header that carries the key."},
			{Name: "query", Type: connector.String, Help: "The name of the query parameter that carries the key."},
			{Name: "value", Type: connector.String, Required: true, Secret: true, Help: "The key."},
		}},
		{Name: "oauth2", Type: connector.Object, Help: "OAuth2 client credentials: Bistro asks the token endpoint for an access token, sends it as a bearer token, reuses it until shortly before it expires, and asks again once when the API answers 401.", Fields: []connector.Field{
			{Name: "token_url", Type: connector.String, Required: true, Example: "https://id.example.com/oauth2/token", Help: "The token endpoint's address."},
			{Name: "client_id", Type: connector.String, Required: true, Help: "The client id the identity provider gave."},
			{Name: "client_secret", Type: connector.String, Required: true, Secret: true, Help: "The client secret the identity provider gave."},
			{Name: "scopes", Type: connector.List, Items: &scope, Example: []any{"contacts.read"}, Help: "The scopes to ask for; none asks for the client's default scopes."},
			{Name: "audience", Type: connector.String, Example: "https://api.example.com", Help: "The API the token is for, when the provider wants an audience (Auth0, Okta)."},
			{Name: "params", Type: connector.Object, Items: &param, Help: "Other form parameters the token endpoint wants, e.g. resource."},
		}},
	}}
}

func httpRequest() connector.Action {
	text := connector.Field{Type: connector.String, Help: "A value, a template."}
	return connector.Action{
		Name:        "request",
		Title:       "Send an HTTP request",
		Description: "Sends one request per record (more when it follows pages) through Bistro's guarded network access. Requests that fail with a timeout, 429 or a 5xx status are retried.",
		Input: []connector.Field{
			{Name: "method", Type: connector.Enum, Enum: []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}, Default: "GET", Help: "The HTTP method."},
			{Name: "connection", Type: connector.String, Since: "1.1.0", Help: "An http connection whose base_url, headers and credentials the step uses; not together with auth."},
			{Name: "url", Type: connector.String, Required: true, Example: "https://api.example.com/v1/customers/{{ record.id }}", Help: "The address to call, a template. With a connection, a path such as /customers/{{ record.id }} is added to its base_url."},
			{Name: "headers", Type: connector.Object, Items: &text, Help: "Request headers; values are templates."},
			{Name: "query", Type: connector.Object, Help: "Query parameters added to the address; values are templates."},
			{Name: "json", Type: connector.Any, Help: "A request body sent as JSON; its texts are templates. Use at most one of json, form and body."},
			{Name: "form", Type: connector.Object, Items: &text, Help: "A request body sent as an HTML form; values are templates."},
			{Name: "body", Type: connector.Text, Help: "A request body sent as text, a template."},
			httpAuth(),
			{Name: "timeout", Type: connector.Duration, Default: "30s", Help: "How long one request may take."},
			httpPaginate(),
			{Name: "records", Type: connector.String, Example: "response.body.items", Help: "An expression over response (status, headers, body) that selects the records. By default a JSON list gives one record per element, anything else one record."},
			{Name: "into", Type: connector.String, Help: "When set, the incoming record is kept and the result put in this field."},
		},
		Output:      "One record per element of the selected list, or one record for an object; with into, the incoming record with the result added.",
		SideEffects: true,
		Idempotent:  true,
	}
}

func httpAuth() connector.Field {
	return connector.Field{Name: "auth", Type: connector.Object, Help: "Authenticates the request; give exactly one of basic, bearer and api_key. Credentials are only sent to the host of url.", Fields: []connector.Field{
		{Name: "basic", Type: connector.Object, Help: "HTTP basic authentication.", Fields: []connector.Field{
			{Name: "username", Type: connector.String, Required: true, Help: "The user name, a template."},
			{Name: "password", Type: connector.String, Required: true, Secret: true, Help: "The password, a template; read it from env, not the flow."},
		}},
		{Name: "bearer", Type: connector.String, Secret: true, Help: "A token sent as \"Authorization: Bearer ...\", a template."},
		{Name: "api_key", Type: connector.Object, Help: "Sends a key in a header or a query parameter (exactly one).", Fields: []connector.Field{
			{Name: "header", Type: connector.String, Example: "X-Api-Key", Help: "The name of the header that carries the key."},
			{Name: "query", Type: connector.String, Help: "The name of the query parameter that carries the key."},
			{Name: "value", Type: connector.String, Required: true, Secret: true, Help: "The key, a template; read it from env, not the flow."},
		}},
	}}
}

func httpPaginate() connector.Field {
	return connector.Field{Name: "paginate", Type: connector.Object, Help: "Follows further pages of the response; give exactly one of link_header, next_url, cursor and page.", Fields: []connector.Field{
		{Name: "link_header", Type: connector.Bool, Help: "Follow the Link: <...>; rel=\"next\" response header."},
		{Name: "next_url", Type: connector.String, Help: "An expression over response giving the next page's address; paging stops when it is empty."},
		{Name: "cursor", Type: connector.Object, Help: "Cursor-based paging.", Fields: []connector.Field{
			{Name: "param", Type: connector.String, Required: true, Help: "The query parameter that carries the cursor."},
			{Name: "value", Type: connector.String, Required: true, Example: "response.body.next_cursor", Help: "An expression over response giving the next cursor."},
		}},
		{Name: "page", Type: connector.Object, Help: "Page-number paging; stops at an empty page.", Fields: []connector.Field{
			{Name: "param", Type: connector.String, Required: true, Help: "The query parameter that carries the page number."},
			{Name: "start", Type: connector.Int, Default: 1, Help: "The number of the first page."},
		}},
		{Name: "max_pages", Type: connector.Int, Default: 100, Help: "The most pages to read."},
	}}
}

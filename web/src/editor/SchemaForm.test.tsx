// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { SchemaField, words, type FormContext } from "./SchemaForm";
import type { Schema } from "./schema";

afterEach(cleanup);

function ctx(extra: Partial<FormContext> = {}): FormContext {
  return { set: vi.fn(), rename: vi.fn(), problems: new Map(), suggestions: [], ...extra };
}

function field(schema: Schema, value: unknown, c: FormContext, label = "Password") {
  return render(<MantineProvider env="test"><SchemaField schema={schema} path={["auth", "password"]} value={value} label={label} ctx={c} /></MantineProvider>);
}

const secret: Schema = { type: "string", writeOnly: true, description: "The user's password." };

describe("SchemaField for a connection's secret", () => {
  it("is an empty password box even when a value is stored, and Clear sets null", () => {
    const c = ctx({ plain: true, secrets: new Map([["auth.password", true]]) });
    field(secret, undefined, c);
    const box = screen.getByLabelText(/^Password/) as HTMLInputElement;
    expect(box.type).toBe("password");
    expect(box.value).toBe("");
    expect(box.placeholder).toBe("set — leave empty to keep");
    fireEvent.click(screen.getByRole("button", { name: "Clear the stored password" }));
    expect(c.set).toHaveBeenCalledWith(["auth", "password"], null);
  });

  it("takes a new value, and erasing it keeps the stored one", () => {
    const c = ctx({ plain: true, secrets: new Map([["auth.password", true]]) });
    field(secret, "typed", c);
    fireEvent.change(screen.getByLabelText(/^Password/), { target: { value: "" } });
    expect(c.set).toHaveBeenLastCalledWith(["auth", "password"], undefined, "auth.password");
  });

  it("offers to keep a value that is to be cleared", () => {
    const c = ctx({ plain: true, secrets: new Map([["auth.password", true]]) });
    field(secret, null, c);
    expect((screen.getByLabelText(/^Password/) as HTMLInputElement).placeholder).toBe("cleared when you save");
    fireEvent.click(screen.getByRole("button", { name: "Keep the stored password" }));
    expect(c.set).toHaveBeenCalledWith(["auth", "password"], undefined);
  });

  it("has nothing to clear when no value is stored", () => {
    field(secret, undefined, ctx({ plain: true, secrets: new Map() }));
    expect((screen.getByLabelText(/^Password/) as HTMLInputElement).placeholder).toBe("");
    expect(screen.queryByRole("button", { name: /Clear/ })).toBeNull();
  });

  it("is an ordinary setting in a flow's step, where it may be a template", () => {
    field({ ...secret, description: "A template." }, "{{ env.TOKEN }}", ctx());
    expect(screen.queryByRole("button", { name: /Clear/ })).toBeNull();
    expect(document.querySelector("input[type=password]")).toBeNull();
  });
});

describe("SchemaField placeholders and plain text", () => {
  it("shows the default, or else an example, in an empty box", () => {
    field({ type: "integer", default: 5432 }, undefined, ctx({ plain: true }), "Port");
    expect((screen.getByLabelText("Port") as HTMLInputElement).placeholder).toBe("5432 (the default)");
    cleanup();
    field({ type: "string", examples: ["db.internal"] }, undefined, ctx({ plain: true }), "Host");
    expect((screen.getByLabelText("Host") as HTMLInputElement).placeholder).toBe("e.g. db.internal");
  });

  it("writes a template setting in a plain box when values are taken as they are", () => {
    const c = ctx({ plain: true });
    field({ type: "string", description: "A template for the subject." }, "", c, "Subject");
    fireEvent.change(screen.getByLabelText("Subject"), { target: { value: "Hi" } });
    expect(c.set).toHaveBeenCalledWith(["auth", "password"], "Hi", "auth.password");
  });
});

describe("words", () => {
  it("turns a key into words, with abbreviations in capitals", () => {
    expect(words("max_backoff")).toBe("Max backoff");
    expect(words("base_url")).toBe("Base URL");
    expect(words("ca_cert")).toBe("CA cert");
    expect(words("sslmode")).toBe("SSL mode");
    expect(words("tls")).toBe("TLS");
  });
});

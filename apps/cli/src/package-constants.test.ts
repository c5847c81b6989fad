import { EXPORT_FORMATS } from "@tailsweep/analysis";
import { STORE_ENV } from "@tailsweep/db";
import { BACKEND_NAMES } from "@tailsweep/model";
import { describe, expect, it } from "vitest";
import * as copies from "./package-constants";

describe("the CLI's copies of package values (kept so that --help loads none of those packages)", () => {
  it("equal the packages' own, in the same order", () => {
    expect(copies.BACKEND_NAMES).toEqual(BACKEND_NAMES);
    expect(copies.EXPORT_FORMATS).toEqual(EXPORT_FORMATS);
  });

  it("give the store's variables the db package's help, defaults and secrecy", () => {
    const help = Object.fromEntries(
      Object.entries(STORE_ENV).map(([name, v]) => [
        name,
        { help: v.help, default: v.default, secret: v.secret },
      ]),
    );
    expect(copies.STORE_ENV_HELP).toEqual(help);
  });
});

import { SentenceModel } from "../../src/datasources/embedders/sentence-model";

/**
 * The installed sentence model (npm install fetches it). Outside CI a missing model skips its suites with the
 * reason printed; under REQUIRE_SERVICES=1 (CI, which installs it with --strict) it fails the run instead.
 */
export async function sentenceModelForTests(): Promise<SentenceModel | null> {
  const loaded = await SentenceModel.load();
  if (loaded instanceof SentenceModel) return loaded;
  if (process.env.REQUIRE_SERVICES === "1") throw new Error(`REQUIRE_SERVICES=1 but the sentence model is not installed: ${loaded.missing}`);
  console.warn(`skipping sentence-model tests: ${loaded.missing}`);
  return null;
}

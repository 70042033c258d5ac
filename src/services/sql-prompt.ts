import type { ChatMessage } from "../datasources/ai/chat-client";
import type { ColumnInfo } from "../datasources/engines/query-engine";

export interface PromptTable {
  fullyQualifiedName: string;
  comment?: string | null;
  columns: readonly ColumnInfo[];
}

const DIALECTS: Record<string, string> = {
  pg: "PostgreSQL",
  mysql: "MySQL/MariaDB",
  tsql: "SQL Server (T-SQL)",
  snowflake: "Snowflake",
  bigquery: "BigQuery",
  clickhouse: "ClickHouse",
  trino: "Trino",
};
/** Columns per table in the prompt: a wide table is cut, its first columns (keys usually) kept. */
const MAX_COLUMNS = 60;

/** One table as the model reads it: its name and comment, then each column with type, key and comment. */
function describe(table: PromptTable): string {
  const columns = table.columns.slice(0, MAX_COLUMNS).map((c) => {
    const notes = [c.primaryKey ? "primary key" : null, c.comment ? c.comment : null].filter(Boolean).join("; ");
    return `  - ${c.name} ${c.dataType}${notes ? ` (${notes})` : ""}`;
  });
  const more = table.columns.length > MAX_COLUMNS ? [`  - … and ${table.columns.length - MAX_COLUMNS} more columns`] : [];
  return [`- ${table.fullyQualifiedName}${table.comment ? ` (${table.comment})` : ""}`, ...columns, ...more].join("\n");
}

/** The messages that ask for one read-only statement answering `question` over `tables`, in `dialect`. */
export function sqlPrompt(question: string, tables: readonly PromptTable[], dialect: string): ChatMessage[] {
  const name = DIALECTS[dialect] ?? dialect;
  return [
    {
      role: "system",
      content:
        `You write one read-only SQL query for a ${name} database that answers the user's question. ` +
        "Use only the tables and columns listed, with their qualified names. Answer with the SQL statement alone: no explanation, no code fences. " +
        "Never write, create or change anything.",
    },
    { role: "user", content: `Tables:\n${tables.map(describe).join("\n")}\n\nQuestion: ${question}` },
  ];
}

/** The statement in a model's answer: code fences and a trailing semicolon taken off. */
export function statementOf(answer: string): string {
  const fenced = /```(?:sql)?\s*([\s\S]*?)```/i.exec(answer);
  return (fenced ? fenced[1] : answer).trim().replace(/;\s*$/, "").trim();
}

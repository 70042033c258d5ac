import type { Dialect } from "./verdict";

/**
 * Functions a scan may not call, per dialect. A rule matches the lower-cased unqualified name or the whole dotted
 * name, so `PG_CATALOG.PG_TERMINATE_BACKEND` and `pg_terminate_backend` are one case. For PostgreSQL this list
 * only sharpens the message: every function must also be a reviewed built-in (postgres.gate.ts). The other
 * dialects have no catalog here, so user-defined functions pass and only the source's read-only session stops them.
 */
type Rule = readonly [pattern: RegExp, why: string];

const SIDE = "has side effects";
const LOCK = "takes a lock that outlives the query";
const FILES = "reads or writes server files";
const NET = "opens a connection to another server";

const RULES: Record<Dialect, readonly Rule[]> = {
  pg: [
    [/^dblink/, NET],
    [/^(lo_\w+|loread|lowrite)$/, "reads or writes large objects"],
    [/^pg_(try_)?advisory/, LOCK],
    [/^(nextval|setval)$/, "advances a sequence"],
    [/^(set_config|setseed)$/, "changes session state"],
    [/^pg_(terminate|cancel)_backend$/, "stops another session"],
    [/^pg_(read_file|read_binary_file|ls_\w+|stat_file|current_logfile|file_\w+)$/, FILES],
    [/^pg_(hba_file_rules|ident_file_mappings|show_all_file_settings)$/, FILES],
    // They run a query given as text (or dump whole tables), which the gate cannot see.
    [/^((query|cursor|database|schema|table)_to_xml\w*|ts_stat|ts_rewrite)$/, "executes SQL text"],
    [/replication_slot|^pg_logical_slot_|^pg_replication_origin_|^pg_logical_emit_message$/, "changes replication state"],
    [/^pg_(reload_conf|rotate_logfile|promote|switch_wal|wal_replay_\w+|create_restore_point|backup_\w+)$/, SIDE],
    [/^pg_(log_\w+|nextoid|export_snapshot|import_system_collations|extension_config_dump|notify)$/, SIDE],
    [/^pg_(stat_reset\w*|stat_force_next_flush|stat_clear_snapshot|(clear|restore)_\w+_stats)$/, SIDE],
    [/^pg_stop_making_pinned_objects$/, SIDE],
    [/^(brin_summarize\w*|brin_desummarize_range|gin_clean_pending_list|binary_upgrade_\w+|\w+_reset)$/, SIDE],
  ],
  mysql: [
    [/^(get_lock|release_lock|release_all_locks|is_free_lock|is_used_lock)$/, LOCK],
    [/^load_file$/, FILES],
    [/^benchmark$/, "burns CPU"],
    [/^sys_(exec|eval|get|set)$/, "runs operating-system commands"],
    [/^((master|source)_pos_wait|wait_for_executed_gtid_set|wait_until_sql_thread_after_gtids)$/, "waits on replication"],
    [/^(nextval|setval)$/, "advances a sequence"],
  ],
  tsql: [
    [/^(openrowset|opendatasource|openquery)$/, NET],
    [/^(xp|sp)_/, "is a system procedure"],
    [/^fn_(get_audit_file|xe_file_target_read_file|trace_gettable|dump_dblog)$/, FILES],
  ],
  snowflake: [
    [/^system\$/, "is a system function"],
    [/^(get_presigned_url|build_scoped_file_url|build_stage_file_url)$/, "exposes stage files"],
  ],
  bigquery: [
    [/^external_query$/, "runs SQL on another database"],
    [/^(ml|ai)\./, "calls a billed remote model"],
  ],
  // Connector pass-through (query, raw_query) and procedures: only reachable through TABLE(...) and CALL, which
  // the gate refuses anyway; listed so a future grammar that parses them still refuses them.
  trino: [[/^(query|raw_query|exclude_columns|execute|system\.execute)$/, "executes SQL text or a procedure"]],
  clickhouse: [
    [/^(url|file|s3|gcs|azureblobstorage|hdfs|iceberg\w*|deltalake|hudi)(cluster)?$/, "reads files or other servers"],
    [/^(remote|remotesecure|cluster|clusterallreplicas|executable|executablepool|input)$/, "reads other servers or programs"],
    [/^(mysql|postgresql|mongodb|redis|sqlite|jdbc|odbc)$/, "reads other servers"],
    [/^(numbers\w*|zeros\w*|generaterandom\w*|fuzz\w*)$/, "generates unbounded rows"],
  ],
};

/** Why a function is refused in this dialect, or null. `parts` are the lower-cased name parts, qualifier first. */
export function deniedFunction(dialect: Dialect, parts: readonly string[]): string | null {
  const name = parts[parts.length - 1] ?? "";
  const full = parts.join(".");
  const rule = RULES[dialect].find(([pattern]) => pattern.test(name) || pattern.test(full));
  return rule ? `function ${full.length > 60 ? `${full.slice(0, 59)}…` : full} ${rule[1]}` : null;
}

/**
 * Volatile PostgreSQL built-ins reviewed as harmless: randomness, clocks, sizes and monitoring reads. pg_sleep is
 * here on purpose: the engine's server-side statement_timeout ends a long sleep, and the timeout tests need it.
 */
export const PG_SAFE_VOLATILE: ReadonlySet<string> = new Set(
  `pg_sleep pg_sleep_for pg_sleep_until random random_normal gen_random_uuid uuidv4 uuidv7 clock_timestamp timeofday
  array_sample array_shuffle currval lastval txid_status pg_xact_status pg_xact_commit_timestamp
  pg_xact_commit_timestamp_origin pg_database_size pg_relation_size pg_table_size pg_indexes_size
  pg_total_relation_size pg_tablespace_size pg_is_in_recovery pg_current_wal_lsn pg_current_wal_insert_lsn
  pg_current_wal_flush_lsn pg_last_wal_receive_lsn pg_last_wal_replay_lsn pg_last_xact_replay_timestamp
  pg_is_wal_replay_paused pg_get_wal_replay_pause_state pg_blocking_pids pg_safe_snapshot_blocking_pids
  pg_lock_status pg_partition_tree pg_partition_ancestors pg_sequence_last_value pg_jit_available
  pg_collation_actual_version pg_database_collation_actual_version current_query pg_get_wait_events
  pg_notification_queue_usage pg_stat_get_io pg_stat_get_recovery_prefetch pg_stat_have_stats
  pg_control_checkpoint pg_control_init pg_control_recovery pg_control_system pg_get_backend_memory_contexts
  pg_get_shmem_allocations pg_prepared_xact pg_last_committed_xact pg_get_multixact_members`
    .trim()
    .split(/\s+/),
);

/** Redshift's own read-only functions (the `pg` dialect also serves Redshift); PostgreSQL lacks them. */
export const REDSHIFT_FUNCTIONS: ReadonlySet<string> = new Set(
  `getdate sysdate nvl nvl2 decode dateadd datediff date_add months_between add_months convert_timezone listagg
  median len charindex strtol ratio_to_report json_extract_path_text json_extract_array_element_text is_valid_json
  is_valid_json_array crc32 func_sha1 fnv_hash sha2 last_day next_day date_cmp timestamp_cmp current_user_id
  pg_last_query_id pg_last_copy_id bpcharcmp dexp dlog1 dlog10 texttonumericalt interval_cmp`
    .trim()
    .split(/\s+/),
);

# Load input files as tables, drop empty ones, merge the rest and write one file.
# Inputs: source_files, region. Tasks: load_table, row_count, merge_tables, write_parquet.


def non_empty(frames):
    kept = []
    skipped = 0
    for frame in frames:
        if row_count(frame) == 0:
            skipped = skipped + 1
            continue
        kept.append(frame)
    return kept, skipped


def output_name(count):
    return f"{region}-merged-{count:04d}.parquet"


if len(source_files) == 0:
    raise ValueError("no input files: pass at least one file in source_files")

frames = [load_table(file) for file in source_files]
kept, skipped = non_empty(frames)
stats = {"inputs": len(source_files), "skipped": skipped}

if kept:
    merged = merge_tables(kept)
    result = {**stats, "output": write_parquet(merged, output_name(len(kept))), "rows": row_count(merged)}
else:
    result = {**stats, "output": None, "rows": 0}

result

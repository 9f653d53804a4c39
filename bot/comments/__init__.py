"""The public's side: comments exported from Xiaohongshu, Weibo and Douyin (or pushed by monitoring tools)
imported into an incident — formats recognised by their columns, bad files refused whole, duplicates skipped,
each comment's sentiment stored at import."""

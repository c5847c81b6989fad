/** Hidden inputs carrying the view's other choices, so a GET form changes one choice and keeps the rest. */
export function KeepParams({
  params,
  except,
}: {
  params: Record<string, string | undefined>;
  except: string[];
}) {
  return (
    <>
      {Object.entries(params)
        .filter(([k, v]) => v !== undefined && !except.includes(k))
        .map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
    </>
  );
}

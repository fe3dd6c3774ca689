/** AlertRuleForm: not built yet. */
export default function AlertRuleForm() {
  return <h1>AlertRuleForm</h1>;
}

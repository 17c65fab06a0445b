package io.meshspine.cli.status;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Samples of a Prometheus text exposition (what every spine service serves on /metrics). */
public record PrometheusText(List<Sample> samples) {

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            String rest;
            if (brace >= 0 && brace < line.indexOf(' ')) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                parseLabels(line.substring(brace + 1, close), labels);
                rest = line.substring(close + 1).strip();
            } else {
                name = line.substring(0, line.indexOf(' '));
                rest = line.substring(line.indexOf(' ') + 1).strip();
            }
            String value = rest.split("\\s+")[0];
            try {
                samples.add(new Sample(name, labels, Double.parseDouble(value)));
            } catch (NumberFormatException e) {
                // "NaN" parses; anything else is not a sample we can use.
            }
        }
        return new PrometheusText(samples);
    }

    private static void parseLabels(String body, Map<String, String> labels) {
        int i = 0;
        while (i < body.length()) {
            int eq = body.indexOf('=', i);
            if (eq < 0) {
                return;
            }
            String key = body.substring(i, eq).strip().replace(",", "");
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            while (j < body.length() && body.charAt(j) != '"') {
                if (body.charAt(j) == '\\' && j + 1 < body.length()) {
                    j++;
                }
                v.append(body.charAt(j++));
            }
            labels.put(key, v.toString());
            i = j + 1;
        }
    }

    /** Sum of {@code name}'s samples whose labels pass {@code where}; NaN when there is none. */
    public double sum(String name, Predicate<Map<String, String>> where) {
        return samples.stream().filter(s -> s.name().equals(name) && where.test(s.labels())).mapToDouble(Sample::value)
                .reduce(Double::sum).orElse(Double.NaN);
    }

    public double max(String name, Predicate<Map<String, String>> where) {
        return samples.stream().filter(s -> s.name().equals(name) && where.test(s.labels())).mapToDouble(Sample::value)
                .max().orElse(Double.NaN);
    }

    public PrometheusText plus(PrometheusText other) {
        List<Sample> all = new ArrayList<>(samples);
        all.addAll(other.samples);
        return new PrometheusText(all);
    }
}

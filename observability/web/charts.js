// The dashboard's ECharts: only the charts, components and renderer the page uses (app.js),
// bundled by build.sh into src/main/resources/dev/gale/observability/dashboard/web/echarts.min.js
// as one minified script that defines the global `echarts`, like the full build does.
import { use } from 'echarts/core';
import { ScatterChart, LineChart, BarChart, HeatmapChart, ParallelChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, VisualMapComponent, MarkPointComponent, MarkLineComponent,
  LegendComponent, TitleComponent, ParallelComponent
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([ScatterChart, LineChart, BarChart, HeatmapChart, ParallelChart,
  GridComponent, TooltipComponent, VisualMapComponent, MarkPointComponent, MarkLineComponent,
  LegendComponent, TitleComponent, ParallelComponent, CanvasRenderer]);

export * from 'echarts/core';
